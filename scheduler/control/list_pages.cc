#include "scheduler/control/list_pages.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "proto/api_states.h"
#include "spec/job_ids.h"

namespace hetsched::control {

uint32_t EffectivePageSize(uint32_t requested, uint32_t default_size) {
  return std::min(requested == 0 ? default_size : requested, kMaxPageSize);
}

bool JobSelected(const v1::Job& job, const v1::ListJobsRequest& request,
                 const LabelSelector& labels) {
  if (!request.states().empty() &&
      std::find(request.states().begin(), request.states().end(),
                job.state()) == request.states().end()) {
    return false;
  }
  if (!request.owner().empty() && job.spec().owner() != request.owner()) {
    return false;
  }
  if (!request.queue().empty() && job.spec().queue() != request.queue()) {
    return false;
  }
  if (request.ended_since_ms() > 0 && IsTerminal(job.state()) &&
      job.end_time_ms() < request.ended_since_ms()) {
    return false;
  }
  return labels.Matches(job.spec().labels());
}

absl::Status ValidateJobPageToken(const std::string& token) {
  if (token.empty() || spec::IsJobId(token)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("page_token: '", token,
                   "' is not a next_page_token that ListJobs returned"));
}

void ApplyJobView(v1::ListView view, v1::Job& job) {
  job.clear_events();
  if (view == v1::LIST_VIEW_FULL) return;
  job.clear_tasks();
  for (auto& group : *job.mutable_spec()->mutable_task_groups()) {
    group.clear_command();
    group.clear_env();
  }
}

void ApplyNodeView(v1::ListView view, v1::Node& node) {
  if (view == v1::LIST_VIEW_FULL) return;
  node.clear_calibration_json();
  node.clear_previous_calibration_json();
  node.clear_task_ids();
}

}  // namespace hetsched::control
