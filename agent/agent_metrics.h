// The agent's Prometheus metrics (docs/metrics.md, "Agent"): tasks by
// state, CPU and resident memory of running tasks' process groups from
// /proc, the scheduler link (connects, heartbeat round trip), calibration
// runs by outcome, and per-GPU figures through NVML when there is one.
// State figures are read when Prometheus scrapes (a Collectable); events
// (round trips, calibrations) are recorded as they happen. No task or job
// id is a label value: task figures are sums over the host.
// Thread-safe: Observe* from any thread, Collect from the exposer's.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "agent/nvml_metrics.h"
#include "agent/task_manager.h"
#include "prometheus/collectable.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/metric_family.h"
#include "prometheus/registry.h"

namespace hetsched::agent {

// CPU time and resident memory of the live processes of one process group.
struct GroupUsage {
  // utime + stime + cutime + cstime: a member that ended and was waited
  // for is counted once, in its waiter's children times.
  double cpu_seconds = 0;
  uint64_t resident_bytes = 0;
  int processes = 0;
};

// Scans `proc_root` (/proc) once and sums the usage of every process whose
// process group is in `groups`. Groups without live processes are absent.
std::map<pid_t, GroupUsage> ReadGroupUsage(const std::string& proc_root,
                                           const std::set<pid_t>& groups);

class AgentMetrics {
 public:
  // Where the state figures come from; each is read at every scrape and
  // may be empty (then its families are empty).
  struct Sources {
    std::function<TaskManager::Stats()> tasks;
    // Which job holds which accelerator (the allocation info series).
    std::function<std::vector<TaskManager::DeviceAllocation>()> allocations;
    std::function<int64_t()> connects;  // registrations with the scheduler
    std::function<bool()> connected;
    std::string proc_root = "/proc";
    NvmlSampler* nvml = nullptr;  // null or unavailable: no GPU series
  };

  explicit AgentMetrics(Sources sources);
  ~AgentMetrics();

  // What an exposer serves.
  std::vector<std::shared_ptr<prometheus::Collectable>> collectables() const;

  void ObserveHeartbeatRoundTrip(absl::Duration rtt);
  // A calibration document as reported; counted by its `status`.
  void ObserveCalibration(const std::string& document_json);

  // Everything the exposer would serve (tests).
  std::vector<prometheus::MetricFamily> Collect() const;

 private:
  class StateCollectable;

  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<StateCollectable> state_;
  prometheus::Histogram* round_trip_;
  prometheus::Family<prometheus::Counter>* calibrations_;
};

}  // namespace hetsched::agent
