// ControlPlane::Snapshot and its helpers. Lives beside the metrics work so
// that control_plane.cc stays about the control plane's rules.
#include "scheduler/control/cluster_snapshot.h"

#include "scheduler/control/job_lifecycle.h"

namespace hetsched::control {
namespace {

// Accelerators per replica of `group` in `job`'s spec; 0 when unknown.
int GroupAccelerators(const v1::Job& job, const std::string& group) {
  for (const auto& g : job.spec().task_groups()) {
    if (g.name() == group) return static_cast<int>(g.accelerators().count());
  }
  return 0;
}

}  // namespace

std::string NodeKind(const v1::Node& node) {
  if (node.info().accelerators_size() == 0) return "";
  return node.info().accelerators(0).kind();
}

ClusterSnapshot ControlPlane::Snapshot() const {
  ClusterSnapshot s;
  std::lock_guard<std::mutex> lock(mu_);
  s.taken_at = clock_->Now();
  s.counters = counters_;
  s.queue_configs = queue_configs_;
  s.ended_jobs = ended_jobs_;
  // Live jobs only: what a tick costs follows the live work, not history.
  s.jobs.reserve(live_jobs_.size());
  for (const std::string& id : live_jobs_) {
    const v1::Job& job = jobs_.at(id);
    JobBrief b;
    b.id = id;
    b.queue = QueueOf(job);
    b.state = job.state();
    b.submit_time_ms = job.submit_time_ms();
    b.start_time_ms = job.start_time_ms();
    b.end_time_ms = job.end_time_ms();
    b.attempt = job.attempt();
    b.waiting_for_dependencies = awaiting_dependencies_.count(id) > 0;
    for (const v1::Task* t : CurrentTasks(job)) {
      if (!HasProcess(t->state())) continue;
      int n = t->device_indices_size() > 0
                  ? t->device_indices_size()
                  : GroupAccelerators(job, t->task_group());
      b.allocated_by_kind[t->accelerator_kind()] += n;
    }
    s.jobs.push_back(std::move(b));
  }
  s.nodes.reserve(nodes_.size());
  for (const auto& [name, record] : nodes_) {
    s.nodes.push_back(NodeViewLocked(record));
  }
  return s;
}

}  // namespace hetsched::control
