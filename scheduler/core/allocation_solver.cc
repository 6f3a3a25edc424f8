#include "scheduler/core/allocation_solver.h"

#include <utility>

namespace hetsched::core {

void InlineAllocationSolver::Submit(AllocationRequest request) {
  AllocationOutcome out;
  const double cpu0 = cpu_seconds_ ? cpu_seconds_() : 0;
  out.allocation = SolveAllocation(request.problem, request.objective);
  if (cpu_seconds_) out.cpu_s = cpu_seconds_() - cpu0;
  out.request = std::move(request);
  ready_ = std::move(out);
}

std::optional<AllocationOutcome> InlineAllocationSolver::Take() {
  std::optional<AllocationOutcome> out = std::move(ready_);
  ready_.reset();
  return out;
}

}  // namespace hetsched::core
