#include "scheduler/control/job_transitions.h"

#include <algorithm>
#include <map>

#include "proto/api_states.h"

namespace hetsched::control {

std::string QueueOf(const v1::Job& job) {
  return job.spec().queue().empty() ? "default" : job.spec().queue();
}

std::vector<JobTransition> DiffJob(const v1::Job* before, const v1::Job& after,
                                   absl::Time now) {
  std::vector<JobTransition> out;
  const std::string queue = QueueOf(after);
  const absl::Time submitted = absl::FromUnixMillis(after.submit_time_ms());
  auto since_submit = [&](absl::Time t) {
    return std::max(absl::ZeroDuration(), t - submitted);
  };
  // The first placement: a job leaves PENDING for RUNNING in attempt 0.
  const bool was_running =
      before != nullptr && before->state() == v1::JOB_STATE_RUNNING;
  if (after.state() == v1::JOB_STATE_RUNNING && !was_running &&
      after.attempt() == 0) {
    out.push_back({JobTransition::Type::kPlaced, queue,
                   v1::JOB_STATE_UNSPECIFIED, v1::TASK_STATE_UNSPECIFIED,
                   since_submit(now)});
  }
  if (after.start_time_ms() > 0 &&
      (before == nullptr || before->start_time_ms() == 0)) {
    out.push_back({JobTransition::Type::kRunning, queue,
                   v1::JOB_STATE_UNSPECIFIED, v1::TASK_STATE_UNSPECIFIED,
                   since_submit(absl::FromUnixMillis(after.start_time_ms()))});
  }
  std::map<std::string, v1::TaskState> old_states;
  if (before != nullptr) {
    for (const auto& t : before->tasks()) old_states[t.id()] = t.state();
  }
  for (const auto& t : after.tasks()) {
    if (!IsTerminal(t.state())) continue;
    auto old = old_states.find(t.id());
    if (old != old_states.end() && IsTerminal(old->second)) continue;
    out.push_back({JobTransition::Type::kTaskEnded, queue,
                   v1::JOB_STATE_UNSPECIFIED, t.state(), absl::ZeroDuration()});
  }
  if (IsTerminal(after.state()) &&
      (before == nullptr || !IsTerminal(before->state()))) {
    out.push_back({JobTransition::Type::kFinished, queue, after.state(),
                   v1::TASK_STATE_UNSPECIFIED, absl::ZeroDuration()});
  }
  return out;
}

}  // namespace hetsched::control
