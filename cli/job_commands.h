// The job commands: submit, jobs, job describe, cancel, logs, watch. Each
// talks to the scheduler through the stubs of its CommandContext, writes
// its result to ctx.out (table or JSON) and returns a status the caller
// turns into a message and an exit code. Not thread-safe: one command at a
// time per context.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "cli/client.h"

namespace hetsched::cli {

// Reads, defaults and validates `path` locally (no RPC when it is bad),
// fills `owner` from $USER (else $LOGNAME) when absent, appends `after` to
// its depends_on, submits, prints the job id.
// With `wait`, then waits as WaitForJobEnd does.
absl::Status SubmitJob(const CommandContext& ctx, const std::string& path,
                       const std::vector<std::string>& after = {},
                       bool wait = false);

// Jobs per ListJobs page the CLI asks for.
inline constexpr uint32_t kCliPageSize = 1000;

// With no states, `all` or `since`, only live (pending, running) jobs.
struct ListJobsOptions {
  std::vector<std::string> states;  // words such as "running"
  std::string owner;
  std::string queue;
  uint32_t limit = 0;  // 0 = no limit
  bool all = false;    // every job the scheduler keeps, ended ones too
  std::string since;   // live jobs and those that ended this recently
};
absl::Status ListJobs(const CommandContext& ctx, const ListJobsOptions& opts);

absl::Status DescribeJob(const CommandContext& ctx, const std::string& job_id);

absl::Status CancelJob(const CommandContext& ctx, const std::string& job_id,
                       const std::string& reason);

struct LogsOptions {
  std::string job_id;
  uint32_t rank = 0;
  bool stderr_stream = false;  // stdout by default
  bool follow = false;         // keep streaming until the task ends
};
// Writes the log bytes to ctx.out as they arrive, in both output formats:
// logs are bytes, not API messages.
absl::Status StreamLogs(const CommandContext& ctx, const LogsOptions& opts);

// Streams the job's events (past ones first) until the scheduler ends the
// stream, which it does when the job ends.
absl::Status WatchJob(const CommandContext& ctx, const std::string& job_id);

// Waits, printing nothing, until the job ends: OK when it SUCCEEDED, else
// ABORTED with "job ID is FAILED: <message>" (the CLI exits 1).
absl::Status WaitForJobEnd(const CommandContext& ctx,
                           const std::string& job_id);

}  // namespace hetsched::cli
