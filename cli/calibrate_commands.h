// `hetsched calibrate NODE [--budget-s N]`: asks the node's agent, through
// the scheduler (NodeService.CalibrateNode), to run hetsched-calibrate now,
// and prints that it was asked; the result shows up later in
// `hetsched node describe`. One command at a time per context.
#pragma once

#include <functional>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "cli/client.h"

namespace hetsched::cli {

using CommandAction = std::function<absl::Status(const CommandContext&)>;

absl::Status CalibrateNode(const CommandContext& ctx, const std::string& name,
                           uint32_t budget_s);

// Adds the `calibrate` subcommand; when parsed it sets `action`.
void AddCalibrateCommand(CLI::App& app, CommandAction& action);

}  // namespace hetsched::cli
