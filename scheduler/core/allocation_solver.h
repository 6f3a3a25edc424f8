// Where the core's allocation LPs are solved. The pass hands each problem
// over and applies whichever solution is ready at a later pass: it never
// waits for a solve. InlineAllocationSolver, the default (the simulator,
// tests), solves at once on the caller's thread, so a run stays
// deterministic; the daemon solves on a worker thread
// (scheduler/control/background_allocation_solver.h).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "scheduler/core/allocation_optimizer.h"

namespace hetsched::core {

struct AllocationRequest {
  AllocationProblem problem;
  AllocationObjective objective = AllocationObjective::kMaxMin;
  std::vector<std::string> job_ids;  // problem.jobs[i] is job job_ids[i]
};

struct AllocationOutcome {
  AllocationRequest request;
  absl::StatusOr<Allocation> allocation;
  double cpu_s = 0;  // CPU seconds the solve took, where measured
};

class AllocationSolver {
 public:
  virtual ~AllocationSolver() = default;
  // Whether a request handed over earlier is still being solved: the pass
  // then waits for it rather than build a newer one.
  virtual bool Busy() const = 0;
  virtual void Submit(AllocationRequest request) = 0;
  // The newest finished outcome not taken yet; older ones are dropped.
  virtual std::optional<AllocationOutcome> Take() = 0;
};

// Solves in Submit. `cpu_seconds` (may be empty) reads the calling
// thread's CPU clock for AllocationOutcome::cpu_s.
class InlineAllocationSolver : public AllocationSolver {
 public:
  explicit InlineAllocationSolver(std::function<double()> cpu_seconds)
      : cpu_seconds_(std::move(cpu_seconds)) {}
  bool Busy() const override { return false; }
  void Submit(AllocationRequest request) override;
  std::optional<AllocationOutcome> Take() override;

 private:
  std::function<double()> cpu_seconds_;
  std::optional<AllocationOutcome> ready_;
};

}  // namespace hetsched::core
