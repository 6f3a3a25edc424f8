// The usage command: `hetsched usage [--since 7d] [--by owner|queue|kind|
// job]`, accelerator-hours and cost over a window ending now.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "cli/client.h"

namespace hetsched::cli {

struct UsageOptions {
  std::string since = "7d";  // a duration back from now (ParseDurationMs)
  std::string by = "owner";
};

absl::Status ShowUsage(const CommandContext& ctx, const UsageOptions& opts);

}  // namespace hetsched::cli
