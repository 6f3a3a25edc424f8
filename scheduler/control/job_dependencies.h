// Job dependencies (JobSpec.depends_on, Slurm's afterok): whether a job's
// dependencies let it be queued. Pure: the caller says how to find a job.
#pragma once

#include <functional>
#include <string>

#include "hetsched/v1/job.pb.h"

namespace hetsched::control {

enum class DependencyState {
  kMet,      // every dependency SUCCEEDED (or there are none)
  kWaiting,  // some have not ended yet, none ended otherwise
  kBroken,   // one ended FAILED or CANCELLED, or does not exist
};

struct DependencyCheck {
  DependencyState state = DependencyState::kMet;
  // kWaiting: "waiting for j-000001 (RUNNING), j-000002 (PENDING)";
  // kBroken: "dependency j-000001 ended FAILED" or "no job j-000009".
  std::string reason;
  int broken_index = -1;  // kBroken: the depends_on entry at fault
};

using FindJob = std::function<const v1::Job*(const std::string& id)>;

DependencyCheck CheckDependencies(const v1::JobSpec& spec, const FindJob& find);

}  // namespace hetsched::control
