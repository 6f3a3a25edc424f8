#include "scheduler/server/metrics.h"

#include "common/build_info_metric.h"
#include "scheduler/control/job_lifecycle.h"

namespace hetsched::server {
namespace {

// Latencies from milliseconds (a store write) to minutes (a pass on a
// large fleet), and waits from a millisecond (a job placed by the pass its
// submit woke) to a day.
prometheus::Histogram::BucketBoundaries LatencyBuckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
          0.1,    0.25,  0.5,    1,     2.5,  5,     10};
}
prometheus::Histogram::BucketBoundaries WaitBuckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,  0.1,   0.25,
          0.5,   1,      2.5,   5,    10,    30,    60,    120,
          300,   600,    1800,  3600, 7200,  14400, 43200, 86400};
}

}  // namespace

class SchedulerMetrics::SnapshotCollectable : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return families_;
  }
  void Set(std::vector<prometheus::MetricFamily> families) {
    std::lock_guard<std::mutex> lock(mu_);
    families_ = std::move(families);
  }

 private:
  mutable std::mutex mu_;
  std::vector<prometheus::MetricFamily> families_;
};

SchedulerMetrics::SchedulerMetrics(AcceleratorCatalogue catalogue)
    : catalogue_(std::move(catalogue)),
      registry_(std::make_shared<prometheus::Registry>()),
      snapshot_(std::make_shared<SnapshotCollectable>()) {
  pass_seconds_ =
      &prometheus::BuildHistogram()
           .Name("hetsched_scheduling_pass_duration_seconds")
           .Help(
               "Time of one loop tick: liveness checks and a scheduling "
               "pass.")
           .Register(*registry_)
           .Add({}, LatencyBuckets());
  submit_to_placed_ = &prometheus::BuildHistogram()
                           .Name("hetsched_job_submit_to_placed_seconds")
                           .Help("From submit to the job's first placement.")
                           .Register(*registry_);
  submit_to_running_ =
      &prometheus::BuildHistogram()
           .Name("hetsched_job_submit_to_running_seconds")
           .Help("From submit to the job's first replica RUNNING.")
           .Register(*registry_);
  jobs_finished_ = &prometheus::BuildCounter()
                        .Name("hetsched_jobs_finished_total")
                        .Help("Jobs that ended, by queue and final state.")
                        .Register(*registry_);
  tasks_ended_ =
      &prometheus::BuildCounter()
           .Name("hetsched_tasks_ended_total")
           .Help(
               "Replicas that ended, by queue and end state (the reason: "
               "succeeded, failed, preempted, cancelled, lost).")
           .Register(*registry_);
  rpc_handled_ = &prometheus::BuildCounter()
                      .Name("hetsched_grpc_server_handled_total")
                      .Help("gRPC calls finished, by method and status code.")
                      .Register(*registry_);
  rpc_seconds_ =
      &prometheus::BuildHistogram()
           .Name("hetsched_grpc_server_handling_seconds")
           .Help("gRPC call duration (streams: their whole life), by method.")
           .Register(*registry_);
  store_write_seconds_ = &prometheus::BuildHistogram()
                              .Name("hetsched_store_write_duration_seconds")
                              .Help("Time of one durable state-store write.")
                              .Register(*registry_)
                              .Add({}, LatencyBuckets());
  store_writes_ = &prometheus::BuildCounter()
                       .Name("hetsched_store_writes_total")
                       .Help("State-store writes, by result (ok, error).")
                       .Register(*registry_);
  RegisterBuildInfo(*registry_);
  // A process that serves the API leads: the only scheduler on SQLite,
  // the elected replica on etcd (followers serve follower_server.h's 0).
  prometheus::BuildGauge()
      .Name("hetsched_leader")
      .Help("1 on the scheduler replica that leads, 0 on the others")
      .Register(*registry_)
      .Add({})
      .Set(1);
  leader_changes_ = &prometheus::BuildCounter()
                         .Name("hetsched_leader_changes_total")
                         .Help(
                             "Changes of the leading scheduler replica "
                             "this replica has seen")
                         .Register(*registry_)
                         .Add({});
  // The families exist (empty) before the first tick.
  snapshot_->Set(SnapshotFamilies(control::ClusterSnapshot{}, catalogue_));
}

std::vector<std::shared_ptr<prometheus::Collectable>>
SchedulerMetrics::collectables() const {
  return {registry_, snapshot_};
}

void SchedulerMetrics::CountLeaderChanges(uint64_t changes) {
  leader_changes_->Increment(static_cast<double>(changes));
}

void SchedulerMetrics::ObservePass(absl::Duration duration) {
  pass_seconds_->Observe(absl::ToDoubleSeconds(duration));
}

void SchedulerMetrics::ObserveRpc(const std::string& method,
                                  const std::string& code,
                                  absl::Duration duration) {
  rpc_handled_->Add({{"method", method}, {"code", code}}).Increment();
  rpc_seconds_->Add({{"method", method}}, LatencyBuckets())
      .Observe(absl::ToDoubleSeconds(duration));
}

void SchedulerMetrics::ObserveStoreWrite(absl::Duration duration, bool ok) {
  store_write_seconds_->Observe(absl::ToDoubleSeconds(duration));
  store_writes_->Add({{"result", ok ? "ok" : "error"}}).Increment();
}

prometheus::Histogram& SchedulerMetrics::QueueHistogram(
    prometheus::Family<prometheus::Histogram>& family,
    const std::string& queue) {
  return family.Add({{"queue", queue}}, WaitBuckets());
}

void SchedulerMetrics::Update(const control::ClusterSnapshot& snapshot) {
  snapshot_->Set(SnapshotFamilies(snapshot, catalogue_));
  std::lock_guard<std::mutex> lock(mu_);
  // Every queue's series exist from its first job (or its configuration)
  // on, so rates and ratios never start from a missing series.
  for (const auto& config : snapshot.queue_configs)
    EnsureQueueSeries(config.name);
  for (const auto& job : snapshot.jobs) EnsureQueueSeries(job.queue);
}

void SchedulerMetrics::Record(
    const std::vector<control::JobTransition>& transitions) {
  std::lock_guard<std::mutex> lock(mu_);
  using Type = control::JobTransition::Type;
  for (const auto& t : transitions) {
    EnsureQueueSeries(t.queue);
    switch (t.type) {
      case Type::kPlaced:
        QueueHistogram(*submit_to_placed_, t.queue)
            .Observe(absl::ToDoubleSeconds(t.since_submit));
        break;
      case Type::kRunning:
        QueueHistogram(*submit_to_running_, t.queue)
            .Observe(absl::ToDoubleSeconds(t.since_submit));
        break;
      case Type::kTaskEnded:
        tasks_ended_
            ->Add({{"queue", t.queue}, {"state", TaskStateLabel(t.task_state)}})
            .Increment();
        break;
      case Type::kFinished:
        jobs_finished_
            ->Add({{"queue", t.queue}, {"state", JobStateLabel(t.job_state)}})
            .Increment();
        break;
    }
  }
}

void SchedulerMetrics::EnsureQueueSeries(const std::string& queue) {
  if (!queues_seen_.insert(queue).second) return;
  QueueHistogram(*submit_to_placed_, queue);
  QueueHistogram(*submit_to_running_, queue);
  jobs_finished_->Add({{"queue", queue}, {"state", "failed"}});
  jobs_finished_->Add({{"queue", queue}, {"state", "succeeded"}});
  tasks_ended_->Add({{"queue", queue}, {"state", "failed"}});
  tasks_ended_->Add({{"queue", queue}, {"state", "lost"}});
}

std::vector<prometheus::MetricFamily> SchedulerMetrics::Collect() const {
  std::vector<prometheus::MetricFamily> out = registry_->Collect();
  for (auto& f : snapshot_->Collect()) out.push_back(std::move(f));
  return out;
}

}  // namespace hetsched::server
