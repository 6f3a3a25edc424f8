// ControlPlane: job arrays (Slurm's --array). Each element is a job of its
// own, "j-000123_7", stored and scheduled like any other; the array itself
// ("j-000123") is no record but a view summed over its elements, which
// GetJob, CancelJob and dependencies accept. An array's "%N" keeps its
// elements past the first N queued or running out of the core, as jobs
// awaiting dependencies are (control_plane_dependencies.cc).
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "proto/api_states.h"
#include "scheduler/control/control_plane.h"
#include "scheduler/control/convert.h"
#include "spec/job_array.h"
#include "spec/job_ids.h"

namespace hetsched::control {
namespace {

// Calls fn(job) for every element of `array_id` in `jobs`, by index.
template <typename Fn>
void ForEachElement(const JobMap& jobs, const std::string& array_id, Fn fn) {
  const std::string prefix = array_id + "_";
  for (auto it = jobs.upper_bound(array_id);
       it != jobs.end() && absl::StartsWith(it->first, prefix); ++it) {
    fn(it->second);
  }
}

// The array's state: RUNNING while any element runs, PENDING while the
// rest wait; once all ended, SUCCEEDED only if every one did, else FAILED
// if any failed, else CANCELLED.
v1::JobState ArrayState(const std::map<v1::JobState, int>& counts) {
  const auto count = [&counts](v1::JobState s) {
    auto it = counts.find(s);
    return it == counts.end() ? 0 : it->second;
  };
  if (count(v1::JOB_STATE_RUNNING) > 0) return v1::JOB_STATE_RUNNING;
  if (count(v1::JOB_STATE_PENDING) > 0) return v1::JOB_STATE_PENDING;
  if (count(v1::JOB_STATE_FAILED) > 0) return v1::JOB_STATE_FAILED;
  if (count(v1::JOB_STATE_CANCELLED) > 0) return v1::JOB_STATE_CANCELLED;
  return v1::JOB_STATE_SUCCEEDED;
}

}  // namespace

std::optional<v1::Job> ControlPlane::ArraySummaryLocked(
    const std::string& array_id) const {
  if (!spec::IsWholeJobId(array_id)) return std::nullopt;
  std::map<std::string, const v1::Job*, JobIdOrder> elements;
  // A retired element counts by its summary (job_retention.h).
  ForEachElement(retired_, array_id,
                 [&](const v1::Job& e) { elements[e.id()] = &e; });
  ForEachElement(jobs_, array_id,
                 [&](const v1::Job& e) { elements[e.id()] = &e; });
  if (elements.empty()) return std::nullopt;
  v1::Job summary;
  summary.set_id(array_id);
  const v1::Job& first = *elements.begin()->second;
  *summary.mutable_spec() = first.spec();
  summary.set_submit_time_ms(first.submit_time_ms());
  std::map<v1::JobState, int> counts;
  int64_t end_ms = 0;
  for (const auto& [id, element] : elements) {
    ++counts[element->state()];
    if (element->start_time_ms() > 0 &&
        (summary.start_time_ms() == 0 ||
         element->start_time_ms() < summary.start_time_ms())) {
      summary.set_start_time_ms(element->start_time_ms());
    }
    end_ms = std::max(end_ms, element->end_time_ms());
    if (element->state() == v1::JOB_STATE_FAILED && summary.exit_code() == 0) {
      summary.set_exit_code(element->exit_code());
    }
  }
  summary.set_state(ArrayState(counts));
  if (IsTerminal(summary.state())) summary.set_end_time_ms(end_ms);
  std::vector<std::string> parts;
  parts.reserve(counts.size());
  for (const auto& [state, n] : counts) {
    parts.push_back(absl::StrCat(n, " ", JobStateName(state)));
  }
  summary.set_message(absl::StrCat("job array of ", elements.size(),
                                   " elements (", array_id,
                                   "_N): ", absl::StrJoin(parts, ", ")));
  return summary;
}

bool ControlPlane::InLineLocked(const v1::Job& job) const {
  if (job.array_job_id().empty()) return false;
  if (job.state() == v1::JOB_STATE_RUNNING) return true;
  return job.state() == v1::JOB_STATE_PENDING && !job.held() &&
         awaiting_dependencies_.count(job.id()) == 0;
}

void ControlPlane::SetAwaitingLocked(const std::string& id, bool awaiting) {
  auto it = jobs_.find(id);
  const bool counted = it != jobs_.end() && InLineLocked(it->second);
  if (awaiting) {
    awaiting_dependencies_.insert(id);
  } else {
    awaiting_dependencies_.erase(id);
  }
  const bool counts = it != jobs_.end() && InLineLocked(it->second);
  if (counted == counts) return;
  const std::string& array = it->second.array_job_id();
  if (counts) {
    ++array_in_line_[array];
  } else if (--array_in_line_[array] == 0) {
    array_in_line_.erase(array);
  }
}

std::string ControlPlane::ArrayThrottleLocked(const v1::Job& job) const {
  if (job.array_job_id().empty()) return "";
  const uint32_t limit = spec::ArrayMaxRunning(job.spec().array());
  if (limit == 0) return "";
  auto it = array_in_line_.find(job.array_job_id());
  uint32_t in_line = it == array_in_line_.end() ? 0 : it->second;
  // The others: `job` may be a changed copy of what is counted.
  auto stored = jobs_.find(job.id());
  if (stored != jobs_.end() && InLineLocked(stored->second)) --in_line;
  if (in_line < limit) return "";
  return absl::StrCat("array throttle: ", in_line, " elements of ",
                      job.array_job_id(), " queued or running, at most ", limit,
                      " at once (%", limit, ")");
}

absl::StatusOr<v1::Job> ControlPlane::CancelArrayLocked(
    const std::string& array_id, const std::string& reason) {
  std::vector<v1::Job> live;
  ForEachElement(jobs_, array_id, [&](const v1::Job& e) {
    if (!IsTerminal(e.state())) live.push_back(e);
  });
  if (live.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("job array ", array_id, " already ended"));
  }
  for (v1::Job& job : live) {
    const std::string id = job.id();
    job.set_cancel_requested(true);
    job.set_message(reason.empty() ? "cancelled by user" : reason);
    const std::string message = job.message();
    RETURN_IF_ERROR(AdvanceJobLocked(std::move(job),
                                     {Event(id, "CANCEL_REQUESTED", message)}));
  }
  return *ArraySummaryLocked(array_id);
}

}  // namespace hetsched::control
