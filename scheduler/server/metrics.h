// The scheduler's Prometheus metrics (docs/metrics.md lists every family).
// Two kinds of figures:
//  - events, recorded as they happen: scheduling pass latency, gRPC calls,
//    store writes, and the job transitions the control plane reports
//    (first placement, first RUNNING, ends of tasks and jobs: Record);
//  - state, rebuilt from a ClusterSnapshot: jobs by state, queue depth,
//    accelerators, nodes, calibration, counters (Update).
// No job ids as labels; node names are (the fleet bounds them).
// Thread-safe: Observe* from any thread (gRPC handlers, the store),
// Update from the loop thread, Collect from the exposer's threads.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/accelerator_catalogue.h"
#include "prometheus/collectable.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/metric_family.h"
#include "prometheus/registry.h"
#include "scheduler/control/cluster_snapshot.h"
#include "scheduler/control/job_transitions.h"

namespace hetsched::server {

// The state families for one snapshot. Pure; exposed for tests.
std::vector<prometheus::MetricFamily> SnapshotFamilies(
    const control::ClusterSnapshot& snapshot,
    const AcceleratorCatalogue& catalogue);

// "JOB_STATE_PENDING" -> "pending"; the label values of `state`.
std::string JobStateLabel(v1::JobState state);
std::string TaskStateLabel(v1::TaskState state);
std::string NodeStateLabel(v1::NodeState state);

class SchedulerMetrics {
 public:
  explicit SchedulerMetrics(
      AcceleratorCatalogue catalogue = AcceleratorCatalogue::BuiltIn());

  // What an exposer serves: the event registry and the snapshot families.
  std::vector<std::shared_ptr<prometheus::Collectable>> collectables() const;

  void ObservePass(absl::Duration duration);
  // Leader changes seen before this replica led (--store etcd).
  void CountLeaderChanges(uint64_t changes);
  // `method` as gRPC names it: "/hetsched.v1.JobService/SubmitJob".
  void ObserveRpc(const std::string& method, const std::string& code,
                  absl::Duration duration);
  void ObserveStoreWrite(absl::Duration duration, bool ok);
  // Rebuilds the state families from `snapshot`.
  void Update(const control::ClusterSnapshot& snapshot);
  // Counts what happened to jobs (ControlPlane::TakeJobTransitions).
  void Record(const std::vector<control::JobTransition>& transitions);

  // Everything the exposer would serve, in one list (tests).
  std::vector<prometheus::MetricFamily> Collect() const;

 private:
  class SnapshotCollectable;
  prometheus::Histogram& QueueHistogram(
      prometheus::Family<prometheus::Histogram>& family,
      const std::string& queue);
  // Creates a queue's job series (at zero) the first time it is seen.
  void EnsureQueueSeries(const std::string& queue);

  const AcceleratorCatalogue catalogue_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<SnapshotCollectable> snapshot_;
  prometheus::Histogram* pass_seconds_;
  prometheus::Family<prometheus::Histogram>* submit_to_placed_;
  prometheus::Family<prometheus::Histogram>* submit_to_running_;
  prometheus::Family<prometheus::Counter>* jobs_finished_;
  prometheus::Family<prometheus::Counter>* tasks_ended_;
  prometheus::Family<prometheus::Counter>* rpc_handled_;
  prometheus::Family<prometheus::Histogram>* rpc_seconds_;
  prometheus::Histogram* store_write_seconds_;
  prometheus::Family<prometheus::Counter>* store_writes_;
  prometheus::Counter* leader_changes_;

  std::mutex mu_;  // guards queues_seen_
  std::set<std::string> queues_seen_;
};

}  // namespace hetsched::server
