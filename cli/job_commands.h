// The job commands: submit, jobs, job describe, cancel, watch (logs are
// in log_commands.h). Each
// talks to the scheduler through the stubs of its CommandContext, writes
// its result to ctx.out (table or JSON) and returns a status the caller
// turns into a message and an exit code. Not thread-safe: one command at a
// time per context.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cli/client.h"
#include "cli/workdir_upload.h"

namespace hetsched::cli {

// How long submit --wait and watch keep reconnecting to a scheduler they
// lost (a restart, a network cut) before they give up.
struct FollowOptions {
  absl::Duration reconnect_timeout = absl::Minutes(10);
  absl::Duration first_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(5);
};

// submit's --after (or --afterok), --afterany, --afternotok and
// --singleton: added to the spec's depends_on, depends_on_any,
// depends_on_not_ok and singleton.
// What submit's flags add to the spec: dependencies (--afterok and
// kin) and --array, which replaces the spec's array.
struct SubmitOptions {
  std::vector<std::string> ok;
  std::vector<std::string> any;
  std::vector<std::string> not_ok;
  std::vector<std::string> corr;
  bool singleton = false;
  std::string array;
};

// Reads, defaults and validates `path` locally (no RPC when it is bad),
// fills `owner` from $USER (else $LOGNAME) when absent, adds `after` to
// its dependencies, submits, prints the job id (an array's id for an
// array). With `workdir.dir`, the directory is packed and uploaded first
// and the spec names its sha256. With `wait`, then waits as WaitForJobEnd
// does (for an array, for every element: 0 if all succeeded, else the code
// of the first that failed, 1 if none failed but some were cancelled).
absl::Status SubmitJob(const CommandContext& ctx, const std::string& path,
                       const SubmitOptions& after = {}, bool wait = false,
                       const FollowOptions& follow = {},
                       const SubmitWorkdir& workdir = {});

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
  // Label selectors (-l), each "k=v,k2!=v2"; all must hold.
  std::vector<std::string> selectors;
};
absl::Status ListJobs(const CommandContext& ctx, const ListJobsOptions& opts);
// The ListJobs request `opts` asks for (bad --state or --since: an error
// naming the flag).
absl::StatusOr<v1::ListJobsRequest> ListJobsRequestFor(
    const CommandContext& ctx, const ListJobsOptions& opts);

absl::Status DescribeJob(const CommandContext& ctx, const std::string& job_id);

absl::Status CancelJob(const CommandContext& ctx, const std::string& job_id,
                       const std::string& reason);

// Streams the job's events (past ones first) until the scheduler ends the
// stream, which it does when the job ends. Across a lost scheduler it
// reconnects with backoff and goes on after the last event it printed;
// kExitUnreachable once the scheduler stayed out of reach for
// reconnect_timeout.
absl::Status WatchJob(const CommandContext& ctx, const std::string& job_id,
                      const FollowOptions& follow = {});

// Waits, printing nothing and reconnecting as WatchJob does, until the job
// ends: OK when it SUCCEEDED; else ABORTED with "job ID is FAILED:
// <message>" and, as the exit code, the failed replica's own exit code
// (1 when that is 0 or unknown, as for a lost replica; 1 for CANCELLED).
absl::Status WaitForJobEnd(const CommandContext& ctx, const std::string& job_id,
                           const FollowOptions& follow = {});
// WaitForJobEnd for every element of a job array, then the array's end.
absl::Status WaitForArrayEnd(const CommandContext& ctx,
                             const std::string& array_id,
                             const std::vector<uint32_t>& indices,
                             const FollowOptions& follow);

}  // namespace hetsched::cli
