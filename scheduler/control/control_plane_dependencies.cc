// ControlPlane: jobs that wait for their dependencies (depends_on,
// depends_on_any, depends_on_not_ok, depends_on_corr, singleton:
// job_dependencies.h) or for their array's "%N". Such
// a job is PENDING in the store but stays out of the core until they are
// met; should one end so that it never can be, it is CANCELLED with the
// reason. Settled on every tick, so a restart or a failed write is retried
// without any extra bookkeeping.
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "scheduler/control/control_plane.h"
#include "scheduler/control/convert.h"

namespace hetsched::control {

DependencyCheck ControlPlane::CheckDependenciesLocked(
    const v1::Job& job) const {
  std::map<std::string, v1::Job> arrays;  // summaries made for this check
  const auto find = [this, &arrays](const std::string& id) -> const v1::Job* {
    auto it = jobs_.find(id);
    if (it != jobs_.end()) return &it->second;
    // A retired dependency ended long ago; its summary says how.
    it = retired_.find(id);
    if (it != retired_.end()) return &it->second;
    // A whole job array: its state summed over its elements.
    auto array = ArraySummaryLocked(id);
    if (!array.has_value()) return nullptr;
    return &(arrays[id] = *std::move(array));
  };
  // Live jobs submitted before this one, oldest first; only a singleton
  // asks, so the walk costs nothing to other jobs.
  const auto namesake = [this](const v1::Job& of) -> const v1::Job* {
    for (const std::string& id : live_jobs_) {
      if (!JobIdOrder()(id, of.id())) break;
      const v1::Job& other = jobs_.at(id);
      if (other.spec().name() == of.spec().name() &&
          other.spec().owner() == of.spec().owner()) {
        return &other;
      }
    }
    return nullptr;
  };
  return CheckDependencies(job, find, namesake);
}

absl::Status ControlPlane::SettleDependentJobLocked(const std::string& id,
                                                    bool* changed) {
  auto it = jobs_.find(id);
  if (it == jobs_.end()) {
    SetAwaitingLocked(id, false);
    return absl::OkStatus();
  }
  const DependencyCheck deps = CheckDependenciesLocked(it->second);
  switch (deps.state) {
    case DependencyState::kWaiting:
      return absl::OkStatus();
    case DependencyState::kMet: {
      // Elements past their array's "%N" wait their turn.
      if (!ArrayThrottleLocked(it->second).empty()) return absl::OkStatus();
      // A job an operator holds stays out of line until released.
      const bool queue = !it->second.held();
      if (queue) RETURN_IF_ERROR(core_->Submit(ToJobRequest(it->second)));
      absl::Status s =
          CommitLocked({}, {},
                       {Event(id, "DEPENDENCIES_MET",
                              queue ? "every dependency is met; queued"
                                    : "every dependency is met; still held")});
      if (!s.ok()) {
        if (queue) core_->Remove(id);  // the next tick tries again
        return s;
      }
      SetAwaitingLocked(id, false);
      *changed = true;
      return absl::OkStatus();
    }
    case DependencyState::kBroken: {
      v1::Job job = it->second;
      job.set_cancel_requested(true);
      job.set_message(deps.reason);
      RETURN_IF_ERROR(AdvanceJobLocked(
          std::move(job), {Event(id, "CANCEL_REQUESTED", deps.reason)}));
      // Cancelling took it out of awaiting_dependencies_; anything else must
      // not loop.
      *changed = awaiting_dependencies_.count(id) == 0;
      return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

void ControlPlane::SettleDependentJobsLocked() {
  // A cancelled job can break the jobs that wait for it in turn: repeat
  // until nothing changes (each round settles at least one job or stops).
  bool changed = true;
  while (changed) {
    changed = false;
    const std::vector<std::string> waiting(awaiting_dependencies_.begin(),
                                           awaiting_dependencies_.end());
    for (const std::string& id : waiting) {
      // A failed write leaves the job held; the next tick tries again.
      (void)SettleDependentJobLocked(id, &changed);
    }
  }
}

}  // namespace hetsched::control
