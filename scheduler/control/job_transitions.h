// What happened to a job in one committed change, as the metrics layer
// counts it: its first placement, its first replica RUNNING, each task's
// end and the job's end. The control plane derives them as it commits a
// change (DiffJob), so nothing downstream diffs whole snapshots to
// rediscover them.
//
// Thread-safe: a pure function over values.
#pragma once

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "hetsched/v1/job.pb.h"

namespace hetsched::control {

struct JobTransition {
  enum class Type { kPlaced, kRunning, kTaskEnded, kFinished };
  Type type = Type::kPlaced;
  std::string queue;  // "default" when the spec leaves it empty
  v1::JobState job_state = v1::JOB_STATE_UNSPECIFIED;     // kFinished
  v1::TaskState task_state = v1::TASK_STATE_UNSPECIFIED;  // kTaskEnded
  absl::Duration since_submit;  // kPlaced and kRunning
};

// The queue label of a job: its queue, or "default".
std::string QueueOf(const v1::Job& job);

// The transitions from `before` (null: a new job) to `after`, at `now`.
std::vector<JobTransition> DiffJob(const v1::Job* before, const v1::Job& after,
                                   absl::Time now);

}  // namespace hetsched::control
