// ControlPlane: retention of finished jobs (--retain-finished). A job that
// ended longer ago than the retention leaves memory and the store; its
// usage summary (job_retention.h) stays, so usage reports and dependencies
// on it keep working, and its id is never given out again.
#include "common/status_macros.h"
#include "scheduler/control/control_plane.h"
#include "scheduler/control/job_lifecycle.h"
#include "scheduler/control/job_retention.h"

namespace hetsched::control {
namespace {

// Jobs retired per tick at most: a backlog (the first tick after the
// retention was shortened) is worked off over several ticks rather than
// in one long pass under the lock.
constexpr size_t kMaxRetiredPerTick = 1000;

}  // namespace

void ControlPlane::RetireFinishedLocked(absl::Time now) {
  if (options_.retain_finished <= absl::ZeroDuration()) return;
  if (!commits_.status().ok()) return;
  const int64_t now_ms = absl::ToUnixMillis(now);
  store::WriteBatch batch;
  auto it = ended_by_time_.begin();
  while (it != ended_by_time_.end() &&
         batch.retired_jobs.size() < kMaxRetiredPerTick) {
    auto job = jobs_.find(it->second);
    if (job == jobs_.end()) {  // already retired
      it = ended_by_time_.erase(it);
      continue;
    }
    if (!DueForRetirement(job->second, options_.retain_finished, now_ms)) {
      break;  // the rest ended later still
    }
    batch.retired_jobs.push_back(RetiredSummary(job->second));
    it = ended_by_time_.erase(it);
  }
  if (batch.retired_jobs.empty()) return;
  for (const v1::Job& summary : batch.retired_jobs) {
    auto job = jobs_.find(summary.id());
    for (const v1::Task& task : job->second.tasks()) {
      kills_sent_.erase(task.id());
      last_progress_.erase(task.id());
    }
    jobs_.erase(job);
    events_.erase(summary.id());
    retired_[summary.id()] = summary;
  }
  commits_.Append(std::move(batch));
}

}  // namespace hetsched::control
