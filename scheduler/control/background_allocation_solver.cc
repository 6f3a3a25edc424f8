#include "scheduler/control/background_allocation_solver.h"

#include <cstdio>
#include <string>
#include <utility>

#include "common/log.h"
#include "common/thread_cpu_clock.h"

namespace hetsched::control {

BackgroundAllocationSolver::BackgroundAllocationSolver(SolveFn solve)
    : solve_(solve ? std::move(solve) : SolveFn(core::SolveAllocation)),
      worker_([this] { Run(); }) {}

BackgroundAllocationSolver::~BackgroundAllocationSolver() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  worker_.join();
}

bool BackgroundAllocationSolver::Busy() const {
  std::lock_guard<std::mutex> lock(mu_);
  return solving_ || queued_.has_value();
}

void BackgroundAllocationSolver::Submit(core::AllocationRequest request) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queued_ = std::move(request);  // a request not started yet is stale
  }
  wake_.notify_all();
}

std::optional<core::AllocationOutcome> BackgroundAllocationSolver::Take() {
  std::lock_guard<std::mutex> lock(mu_);
  std::optional<core::AllocationOutcome> out = std::move(ready_);
  ready_.reset();
  return out;
}

void BackgroundAllocationSolver::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || queued_.has_value(); });
    if (stopping_) return;
    core::AllocationOutcome out;
    out.request = std::move(*queued_);
    queued_.reset();
    solving_ = true;
    lock.unlock();
    const double cpu0 = ThreadCpuSeconds();
    out.allocation = solve_(out.request.problem, out.request.objective);
    out.cpu_s = ThreadCpuSeconds() - cpu0;
    if (!out.allocation.ok()) {
      log::Warn(absl::StrCat("allocation solve for ",
                             out.request.job_ids.size(),
                             " jobs failed, placing by hetero until the next "
                             "solve: ",
                             out.allocation.status().message()));
    }
    lock.lock();
    solving_ = false;
    ready_ = std::move(out);
  }
}

}  // namespace hetsched::control
