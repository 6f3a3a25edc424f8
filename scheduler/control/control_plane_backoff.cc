// ControlPlane: the back-off between a failed attempt and its retry. The
// job stays PENDING in the store with the back-off as its pending reason,
// out of the core (so it holds no devices and no place in the queue) until
// its time comes. A scheduler restart queues it at once: the back-off is
// a brake on tight loops, not a promise.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "scheduler/control/control_plane.h"
#include "scheduler/control/convert.h"
#include "scheduler/control/retry_backoff.h"

namespace hetsched::control {

absl::Duration RetryBackoff(absl::Duration base, absl::Duration cap,
                            uint32_t attempt) {
  if (base <= absl::ZeroDuration() || attempt == 0) return absl::ZeroDuration();
  // attempt 1 is the first retry: base, then 2x, 4x, ... up to the cap.
  const uint32_t doublings = std::min<uint32_t>(attempt - 1, 30);
  return std::min(cap, base * static_cast<double>(1u << doublings));
}

void ControlPlane::BackOffLocked(const std::string& job_id, uint32_t attempt) {
  const absl::Duration wait =
      RetryBackoff(options_.retry_backoff, options_.max_retry_backoff, attempt);
  if (wait <= absl::ZeroDuration()) {
    core_->Requeue(job_id);
    return;
  }
  core_->Remove(job_id);
  backoff_[job_id] = clock_->Now() + wait;
}

void ControlPlane::ReleaseBackoffsLocked(absl::Time now) {
  for (auto it = backoff_.begin(); it != backoff_.end();) {
    auto job = jobs_.find(it->first);
    if (it->second > now || job == jobs_.end()) {
      it = job == jobs_.end() ? backoff_.erase(it) : std::next(it);
      continue;
    }
    // A failed submit keeps it backing off; the next tick tries again.
    if (core_->Submit(ToJobRequest(job->second)).ok()) {
      it = backoff_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace hetsched::control
