#include "scheduler/control/job_dependencies.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "scheduler/control/convert.h"
#include "scheduler/control/job_lifecycle.h"

namespace hetsched::control {

DependencyCheck CheckDependencies(const v1::JobSpec& spec,
                                  const FindJob& find) {
  DependencyCheck check;
  std::vector<std::string> waiting;
  for (int i = 0; i < spec.depends_on_size(); ++i) {
    const std::string& id = spec.depends_on(i);
    const v1::Job* job = find(id);
    if (job == nullptr) {
      return {DependencyState::kBroken, absl::StrCat("no job ", id), i};
    }
    if (job->state() == v1::JOB_STATE_SUCCEEDED) continue;
    if (IsTerminal(job->state())) {
      return {DependencyState::kBroken,
              absl::StrCat("dependency ", id, " ended ",
                           JobStateName(job->state())),
              i};
    }
    waiting.push_back(absl::StrCat(id, " (", JobStateName(job->state()), ")"));
  }
  if (!waiting.empty()) {
    check.state = DependencyState::kWaiting;
    check.reason = absl::StrCat("waiting for ", absl::StrJoin(waiting, ", "));
  }
  return check;
}

}  // namespace hetsched::control
