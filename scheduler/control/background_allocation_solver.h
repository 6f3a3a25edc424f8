// The daemon's allocation solver: LPs are solved on a worker thread, so a
// scheduling pass never waits for CLP (issue: a 10,000-job solve takes up
// to a second). The pass hands a request over and takes the solution at a
// later pass; while one solve runs, the pass builds no newer request.
// A failed solve is logged to stderr with its reason (the core counts it
// and falls back to hetero until the next solve).
// Thread-safe.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "scheduler/core/allocation_solver.h"

namespace hetsched::control {

class BackgroundAllocationSolver : public core::AllocationSolver {
 public:
  using SolveFn = std::function<absl::StatusOr<core::Allocation>(
      const core::AllocationProblem&, core::AllocationObjective)>;
  // `solve` defaults to core::SolveAllocation; tests pass one they hold.
  explicit BackgroundAllocationSolver(SolveFn solve = nullptr);
  ~BackgroundAllocationSolver() override;  // waits for a running solve

  bool Busy() const override;
  void Submit(core::AllocationRequest request) override;
  std::optional<core::AllocationOutcome> Take() override;

 private:
  void Run();

  const SolveFn solve_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::optional<core::AllocationRequest> queued_;  // guarded by mu_
  bool solving_ = false;                           // guarded by mu_
  bool stopping_ = false;                          // guarded by mu_
  std::optional<core::AllocationOutcome> ready_;   // guarded by mu_
  std::thread worker_;  // last: starts once the rest is built
};

}  // namespace hetsched::control
