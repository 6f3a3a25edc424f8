// Job dependencies, as Slurm's --dependency: whether a job may be queued.
// depends_on (afterok: each SUCCEEDED), depends_on_any (afterany: each
// ended), depends_on_not_ok (afternotok: each ended FAILED or CANCELLED),
// depends_on_corr (aftercorr: an array element's namesake in another
// array SUCCEEDED) and singleton (no earlier live job of the same name and
// owner). An array's "%N" is the control plane's to count. Pure:
// the caller says how to find jobs.
#pragma once

#include <functional>
#include <string>

#include "hetsched/v1/job.pb.h"

namespace hetsched::control {

enum class DependencyState {
  kMet,      // every condition holds (or there are none)
  kWaiting,  // some dependency has not ended yet, or a namesake still runs
  kBroken,   // one ended so that it never can hold, or does not exist
};

struct DependencyCheck {
  DependencyState state = DependencyState::kMet;
  // kWaiting: "waiting for j-000001 (RUNNING), j-000002 (PENDING)";
  // kBroken: "dependency j-000001 ended FAILED" or "no job j-000009".
  std::string reason;
  std::string field;  // kBroken: the entry at fault, "depends_on_any[1]"
};

using FindJob = std::function<const v1::Job*(const std::string& id)>;
// An earlier job, not yet ended, of the same name and owner as `job`; null
// when there is none.
using FindLiveNamesake = std::function<const v1::Job*(const v1::Job& job)>;

// True when the spec asks to wait for anything at all (an array's "%N"
// included).
bool HasDependencies(const v1::JobSpec& spec);

DependencyCheck CheckDependencies(const v1::Job& job, const FindJob& find,
                                  const FindLiveNamesake& namesake);

}  // namespace hetsched::control
