// `hetsched validate-interconnect --nodes A,B[,...]`: runs a collective
// test over the nodes' agents (NodeService.ValidateInterconnect: a TCP ring
// all-reduce between the agents, or NCCL through hetsched-calibrate) and
// prints the sweep: per size the time, algorithm and bus bandwidth and
// whether the sums were right, then the average bus bandwidth; with
// --pairs also each pair of nodes. The RPC waits as long as the test may
// take. One command at a time per context.
#pragma once

#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "cli/calibrate_commands.h"
#include "cli/client.h"

namespace hetsched::cli {

struct InterconnectOptions {
  std::vector<std::string> nodes;
  std::string mode = "tcp";
  uint64_t min_bytes = 0;  // 0: the scheduler's default
  uint64_t max_bytes = 0;
  uint32_t iterations = 0;
  uint32_t timeout_s = 120;
  bool pairs = false;
};

absl::Status ValidateInterconnect(const CommandContext& ctx,
                                  const InterconnectOptions& options);

// The result table as the command prints it (tests use it).
void PrintInterconnectResult(const v1::ValidateInterconnectResponse& response,
                             std::ostream& out);

void AddInterconnectCommand(CLI::App& app, CommandAction& action);

}  // namespace hetsched::cli
