#include "scheduler/control/job_retention.h"

#include "scheduler/control/job_lifecycle.h"

namespace hetsched::control {

v1::Job RetiredSummary(const v1::Job& job) {
  v1::Job summary;
  summary.set_id(job.id());
  summary.set_state(job.state());
  summary.set_exit_code(job.exit_code());
  summary.set_submit_time_ms(job.submit_time_ms());
  summary.set_end_time_ms(job.end_time_ms());
  summary.mutable_spec()->set_name(job.spec().name());
  summary.mutable_spec()->set_owner(job.spec().owner());
  summary.mutable_spec()->set_queue(job.spec().queue());
  for (const v1::Task& task : job.tasks()) {
    if (task.start_time_ms() == 0 || task.device_indices_size() == 0) {
      continue;  // never ran, or held no accelerator: no usage
    }
    v1::Task* kept = summary.add_tasks();
    kept->set_id(task.id());
    kept->set_node(task.node());
    kept->set_accelerator_kind(task.accelerator_kind());
    *kept->mutable_device_indices() = task.device_indices();
    kept->set_start_time_ms(task.start_time_ms());
    kept->set_end_time_ms(task.end_time_ms());
  }
  return summary;
}

bool DueForRetirement(const v1::Job& job, absl::Duration retain,
                      int64_t now_ms) {
  if (retain <= absl::ZeroDuration() || !IsTerminal(job.state())) return false;
  return job.end_time_ms() <= now_ms - absl::ToInt64Milliseconds(retain);
}

}  // namespace hetsched::control
