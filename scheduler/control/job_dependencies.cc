#include "scheduler/control/job_dependencies.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "scheduler/control/convert.h"
#include "scheduler/control/job_lifecycle.h"
#include "spec/job_array.h"
#include "spec/job_ids.h"

namespace hetsched::control {
namespace {

// Which ends of a dependency let the dependent job start.
enum class Wants { kSuccess, kAnyEnd, kNotSuccess };

struct DependencyList {
  const char* field;
  const google::protobuf::RepeatedPtrField<std::string>& ids;
  Wants wants;
};

bool EndSatisfies(v1::JobState end, Wants wants) {
  switch (wants) {
    case Wants::kSuccess:
      return end == v1::JOB_STATE_SUCCEEDED;
    case Wants::kAnyEnd:
      return true;
    case Wants::kNotSuccess:
      return end != v1::JOB_STATE_SUCCEEDED;
  }
  return false;
}

}  // namespace

bool HasDependencies(const v1::JobSpec& spec) {
  return spec.depends_on_size() > 0 || spec.depends_on_any_size() > 0 ||
         spec.depends_on_not_ok_size() > 0 || spec.depends_on_corr_size() > 0 ||
         spec.singleton() || spec::ArrayMaxRunning(spec.array()) > 0;
}

DependencyCheck CheckDependencies(const v1::Job& job, const FindJob& find,
                                  const FindLiveNamesake& namesake) {
  const v1::JobSpec& spec = job.spec();
  // aftercorr: this element waits for the element of its own index.
  google::protobuf::RepeatedPtrField<std::string> corresponding;
  for (const std::string& array : spec.depends_on_corr()) {
    *corresponding.Add() = spec::ArrayElementId(array, job.array_task_id());
  }
  const DependencyList lists[] = {
      {"depends_on", spec.depends_on(), Wants::kSuccess},
      {"depends_on_any", spec.depends_on_any(), Wants::kAnyEnd},
      {"depends_on_not_ok", spec.depends_on_not_ok(), Wants::kNotSuccess},
      {"depends_on_corr", corresponding, Wants::kSuccess}};
  std::vector<std::string> waiting;
  for (const DependencyList& list : lists) {
    for (int i = 0; i < list.ids.size(); ++i) {
      const std::string& id = list.ids.Get(i);
      const std::string field = absl::StrCat(list.field, "[", i, "]");
      const v1::Job* dependency = find(id);
      if (dependency == nullptr) {
        return {DependencyState::kBroken, absl::StrCat("no job ", id), field};
      }
      if (!IsTerminal(dependency->state())) {
        waiting.push_back(
            absl::StrCat(id, " (", JobStateName(dependency->state()), ")"));
      } else if (!EndSatisfies(dependency->state(), list.wants)) {
        return {DependencyState::kBroken,
                absl::StrCat("dependency ", id, " ended ",
                             JobStateName(dependency->state())),
                field};
      }
    }
  }
  if (spec.singleton()) {
    if (const v1::Job* earlier = namesake(job); earlier != nullptr) {
      waiting.push_back(absl::StrCat(earlier->id(), " (",
                                     JobStateName(earlier->state()),
                                     ", same name and owner: singleton)"));
    }
  }
  DependencyCheck check;
  if (!waiting.empty()) {
    check.state = DependencyState::kWaiting;
    check.reason = absl::StrCat("waiting for ", absl::StrJoin(waiting, ", "));
  }
  return check;
}

}  // namespace hetsched::control
