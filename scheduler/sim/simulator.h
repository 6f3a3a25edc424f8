// The trace simulator: drives the same core::Scheduler the daemon uses on
// a simulated clock. Jobs arrive at their submit time, run at the rate the
// throughput table gives for the kind and size they were placed on (or for
// duration_s on any kind), pay the restart penalty each time they start
// again after a preemption, and are stopped at their max runtime. The
// simulator stops preempted jobs at once (grace 0) and runs another pass
// at the same instant, so the freed room goes where the core meant it to.
// scheduler_cpu_s is the thread CPU time spent inside core calls,
// solver_cpu_s the part of it in allocation LPs; makespan_lower_bound_s is
// makespan_bound.h's bound; energy_kwh is busy accelerator time x the
// catalogue's board power, over kinds that have one.
// Thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "scheduler/core/throughput_model.h"
#include "scheduler/sim/sim_input.h"

namespace hetsched::sim {

struct SimOptions {
  std::string policy = "hetero";
  // The simulation is deterministic (ties broken by job id and node
  // order); the seed is recorded for tools that vary inputs by it.
  uint64_t seed = 1;
  double restart_penalty_s = 0;
  double round_s = 0;  // > 0: time-sharing rounds for preempting policies
  // Adds energy at this price to node prices in min-cost's objective.
  double energy_price_per_kwh = 0;
};

struct JobRecord {
  std::string id;
  double submit_s = 0;
  std::optional<double> start_s;  // first time it ran
  std::optional<double> end_s;    // completed or stopped at max runtime
  bool completed = false;
  std::vector<std::string> kinds_used;  // in order of first use
  int preemptions = 0;
};

struct SimResult {
  int jobs = 0;
  int completed = 0;
  double avg_jct_s = 0, p50_jct_s = 0, p99_jct_s = 0;
  double avg_wait_s = 0;
  double makespan_s = 0;
  double utilization = 0;
  std::map<std::string, double> utilization_by_kind;
  std::optional<double> cost_usd;  // when the cluster has prices
  long preemptions = 0;
  double scheduler_cpu_s = 0;
  double solver_cpu_s = 0;
  double makespan_lower_bound_s = 0;
  long solver_fallbacks = 0;         // allocation LPs that failed (not in JSON)
  std::string last_solver_error;     // why the last one failed
  std::optional<double> energy_kwh;  // when the catalogue has board power
  long decisions = 0;
  long passes = 0;
  std::vector<JobRecord> records;  // trace order
};

// INVALID_ARGUMENT for a policy name the core does not know.
absl::StatusOr<SimResult> Simulate(const SimCluster& cluster,
                                   const std::vector<TraceJob>& trace,
                                   const core::ThroughputTable& throughputs,
                                   const SimOptions& options);

}  // namespace hetsched::sim
