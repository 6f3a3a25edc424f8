#include "scheduler/sim/makespan_bound.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "scheduler/core/allocation_optimizer.h"

namespace hetsched::sim {

double MakespanLowerBound(const SimCluster& cluster,
                          const std::vector<TraceJob>& trace,
                          const core::ThroughputTable& throughputs,
                          size_t max_jobs) {
  if (trace.empty() || trace.size() > max_jobs) return 0;
  core::AllocationProblem problem;
  problem.partition_jobs = 0;  // one LP: partitions would not bound
  std::map<std::string, size_t> kind_index;
  for (const auto& n : cluster.nodes) {
    auto [it, added] =
        kind_index.emplace(n.accelerator_kind, problem.kinds.size());
    if (added) {
      problem.kinds.push_back(n.accelerator_kind);
      problem.capacity.push_back(0);
    }
    problem.capacity[it->second] += n.accelerator_count;
  }
  double first = INFINITY;
  for (const auto& j : trace) first = std::min(first, j.submit_s);
  double release_bound = 0;
  for (const auto& j : trace) {
    core::AllocationJob a;
    a.accelerators = std::max(j.replicas * j.accel_per_replica, 1);
    a.rate.assign(problem.kinds.size(), 0);
    auto cls = throughputs.find(j.job_class);
    // Work in steps at table rates, or seconds for duration_s jobs.
    a.remaining_steps =
        cls != throughputs.end() ? j.total_steps : j.duration_s.value_or(0);
    double best = 0;
    for (const auto& [kind, k] : kind_index) {
      if (!j.kinds.empty() &&
          std::find(j.kinds.begin(), j.kinds.end(), kind) == j.kinds.end()) {
        continue;
      }
      if (a.accelerators > problem.capacity[k]) continue;
      double rate = 1;
      if (cls != throughputs.end()) {
        auto by_kind = cls->second.find(kind);
        if (by_kind == cls->second.end()) continue;
        auto r = by_kind->second.find(a.accelerators);
        if (r == by_kind->second.end()) continue;
        rate = r->second;
      }
      a.rate[k] = rate;
      best = std::max(best, rate);
    }
    if (best <= 0 || a.remaining_steps <= 0) continue;
    release_bound =
        std::max(release_bound, j.submit_s - first + a.remaining_steps / best);
    problem.jobs.push_back(std::move(a));
  }
  auto solved =
      core::SolveAllocation(problem, core::AllocationObjective::kMinMakespan);
  const double lp = solved.ok() ? solved->makespan_bound_s : 0;
  return std::max(lp, release_bound);
}

}  // namespace hetsched::sim
