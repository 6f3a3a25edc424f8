// The operator verbs on jobs, as Slurm's scontrol and scancel: hold,
// release, requeue, update --priority, and cancel by filter. Each prints
// one line per job ("job j-000042: held") or, with -o json, the job.
// Not thread-safe: one command at a time per context.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "cli/client.h"
#include "cli/job_commands.h"

namespace hetsched::cli {

// Each of `job_ids` in turn; stops at the first error.
absl::Status HoldJobs(const CommandContext& ctx,
                      const std::vector<std::string>& job_ids,
                      const std::string& reason);
absl::Status ReleaseJobs(const CommandContext& ctx,
                         const std::vector<std::string>& job_ids);
absl::Status RequeueJob(const CommandContext& ctx, const std::string& job_id,
                        const std::string& reason, bool hold);
absl::Status UpdateJob(const CommandContext& ctx, const std::string& job_id,
                       std::optional<int32_t> priority);

// scancel: the jobs named, or with none every job the filters select
// (live ones unless --state says otherwise). INVALID_ARGUMENT when given
// neither ids nor a filter. Goes on past a job that cannot be cancelled
// and returns the first error once all were tried.
// With `signal` ("USR1"), scancel --signal: the jobs get that signal and
// keep running unless it ends them.
struct CancelOptions {
  std::vector<std::string> job_ids;
  std::string reason;
  std::string signal;
  ListJobsOptions filter;  // states, owner, queue, selectors
};
absl::Status CancelJobs(const CommandContext& ctx, const CancelOptions& opts);

}  // namespace hetsched::cli
