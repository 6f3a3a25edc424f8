// `hetsched logs`: a replica's stdout or stderr, relayed by the scheduler
// from the agent that ran it. Streams with no overall deadline (a big log
// takes as long as it takes); any attempt's log, the last lines only, or
// every rank with each line prefixed. Not thread-safe: one command at a
// time per context.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "cli/client.h"

namespace hetsched::cli {

struct LogsOptions {
  std::string job_id;
  uint32_t rank = 0;
  bool stderr_stream = false;  // stdout by default
  bool follow = false;         // keep streaming until the task ends
  // That attempt's replica (HETSCHED_ATTEMPT); unset: the newest started.
  std::optional<uint32_t> attempt;
  // Only the last `tail` lines of what is there now (then, with `follow`,
  // what comes after); 0: everything.
  uint32_t tail = 0;
  // Every rank of the job in turn, each line as "[rank N] line"; not with
  // `follow`.
  bool all_ranks = false;
};

// Writes the log bytes to ctx.out as they arrive, in both output formats:
// logs are bytes, not API messages.
absl::Status StreamLogs(const CommandContext& ctx, const LogsOptions& opts);

}  // namespace hetsched::cli
