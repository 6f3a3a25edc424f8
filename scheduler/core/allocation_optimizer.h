// The allocation optimizer: for the active jobs, the fraction of time each
// should spend on each accelerator kind, as the solution of a linear
// program (solved by COIN-OR CLP), in the manner of Gavel (OSDI 2020). The
// scheduler realizes the fractions by rounds (scheduler_optimize.cc).
//
// Variables x[j][k] in [0, 1]: the share of time job j runs on kind k.
// Every objective keeps
//   sum_k x[j][k] <= 1                      (a job runs on one kind at a time)
//   sum_j g_j x[j][k] <= C_k                (capacity of kind k; g_j = gang)
// and x[j][k] = 0 where job j cannot run on k (rate 0). With
// T_j = sum_k rate[j][k] x[j][k] (steps/s) and N_j = T_j / best_j (its
// throughput as a fraction of its own best kind):
//   max-min       maximize t: g_j N_j >= w_j t        (+ eps * sum_j N_j)
//   min-makespan  maximize t: N_j >= D_j t, D_j = remaining_j / best_j (s);
//                 1 / t is the fractional lower bound on the makespan
//   min-jct       maximize sum_j N_j / D_j  (Smith's rule per accelerator;
//                 D_j from attained service when the remaining is unknown)
//   min-cost      minimize sum_j,k g_j x[j][k] c_k + big * sum_j s_j
//                 s.t. T_j + s_j >= rate needed for the deadline, and
//                 g_j N_j >= 0.9 w_j t* (t* from max-min) for the others
// docs/scheduling.md gives the full formulas. Large problems are split into
// independent sub-problems (POP, SOSP 2021): jobs dealt round-robin into
// partitions, each with an equal slice of every kind's capacity.
// Pure and deterministic; thread-compatible.
#pragma once

#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace hetsched::core {

enum class AllocationObjective { kMaxMin, kMinJct, kMinMakespan, kMinCost };

// "max-min", "min-jct", "min-makespan", "min-cost"; INVALID_ARGUMENT else.
absl::StatusOr<AllocationObjective> ParseAllocationObjective(
    std::string_view name);

struct AllocationJob {
  int accelerators = 1;  // gang size g_j: what the job holds while it runs
  // Steps/s of the whole job on each kind of the problem (same order as
  // AllocationProblem::kinds); 0 = cannot run there.
  std::vector<double> rate;
  double weight = 1;           // max-min: queue weight x priority factor
  double remaining_steps = 0;  // 0 = unknown
  // Seconds of service so far (at the job's size); stands for the
  // remaining work in min-jct when remaining_steps is 0.
  double attained_s = 0;
  // Seconds from now to the job's deadline (min-cost); infinity = none.
  double deadline_s = std::numeric_limits<double>::infinity();
};

struct AllocationProblem {
  std::vector<std::string> kinds;
  std::vector<double> capacity;       // accelerators of each kind
  std::vector<double> cost_per_hour;  // per accelerator of each kind (min-cost)
  std::vector<AllocationJob> jobs;
  // Jobs per sub-problem before the problem is partitioned; 0 = never.
  int partition_jobs = 1000;
  // Simplex iterations per sub-problem before giving up (a deterministic
  // stand-in for a timeout); 0 = CLP's default.
  int max_iterations = 0;
};

struct Allocation {
  std::vector<std::vector<double>> x;  // [job][kind] time fractions
  // min-makespan: the LP's fractional lower bound on the makespan in
  // seconds (the largest over sub-problems); 0 for the other objectives.
  double makespan_bound_s = 0;
  int partitions = 1;
};

// Solves `problem` for `objective`. INVALID_ARGUMENT for malformed input;
// INTERNAL (with CLP's status) when the solver fails, stops at the
// iteration limit or reports the problem infeasible: the caller falls back.
absl::StatusOr<Allocation> SolveAllocation(const AllocationProblem& problem,
                                           AllocationObjective objective);

}  // namespace hetsched::core
