// The node commands: nodes, node describe, drain, undrain. Each talks to
// the scheduler through ctx.nodes, writes a table or JSON to ctx.out and
// returns a status for the caller to report. One command at a time per
// context.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "cli/client.h"

namespace hetsched::cli {

// Nodes per ListNodes page the CLI asks for.
inline constexpr uint32_t kCliNodePageSize = 1000;

// `selector`: a label selector ("pool=spot,!gpu-test"); empty = all.
absl::Status ListNodes(const CommandContext& ctx, const std::string& selector);
absl::Status DescribeNode(const CommandContext& ctx, const std::string& name);
absl::Status DrainNode(const CommandContext& ctx, const std::string& name,
                       const std::string& reason);
absl::Status UndrainNode(const CommandContext& ctx, const std::string& name);
// Forgets a decommissioned node (admins; its agent must be gone).
absl::Status DeleteNode(const CommandContext& ctx, const std::string& name);

}  // namespace hetsched::cli
