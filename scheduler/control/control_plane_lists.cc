// ControlPlane: the paged lists of jobs and nodes (AIP-158), each record
// cut to the requested view (AIP-157).
#include <iterator>

#include "common/status_macros.h"
#include "scheduler/control/control_plane.h"
#include "scheduler/control/convert.h"
#include "scheduler/control/list_pages.h"

namespace hetsched::control {

absl::StatusOr<v1::ListJobsResponse> ControlPlane::ListJobs(
    const v1::ListJobsRequest& request) const {
  RETURN_IF_ERROR(ValidateJobPageToken(request.page_token()));
  ASSIGN_OR_RETURN(
      LabelSelector labels,
      LabelSelector::Parse(request.label_selector(), "label_selector"));
  uint32_t page = EffectivePageSize(request.page_size(), kDefaultJobPageSize);
  const bool capped = request.limit() > 0 && request.limit() <= page;
  if (capped) page = request.limit();
  return Durably([&]() -> absl::StatusOr<v1::ListJobsResponse> {
    v1::ListJobsResponse response;
    // Newest first: from the end, or from just below the token's id.
    auto it = request.page_token().empty()
                  ? jobs_.rbegin()
                  : std::make_reverse_iterator(
                        jobs_.lower_bound(request.page_token()));
    for (; it != jobs_.rend(); ++it) {
      const v1::Job& job = it->second;
      if (!JobSelected(job, request, labels)) continue;
      if (static_cast<uint32_t>(response.jobs_size()) == page) {
        if (!capped)
          response.set_next_page_token(response.jobs().rbegin()->id());
        break;
      }
      v1::Job* out = response.add_jobs();
      *out = job;
      FillDerivedLocked(*out);
      ApplyJobView(request.view(), *out);
    }
    return response;
  });
}

absl::StatusOr<v1::ListNodesResponse> ControlPlane::ListNodes(
    const v1::ListNodesRequest& request) const {
  const uint32_t page =
      EffectivePageSize(request.page_size(), kDefaultNodePageSize);
  ASSIGN_OR_RETURN(
      LabelSelector labels,
      LabelSelector::Parse(request.label_selector(), "label_selector"));
  return Durably([&]() -> absl::StatusOr<v1::ListNodesResponse> {
    v1::ListNodesResponse response;
    for (auto it = nodes_.upper_bound(request.page_token()); it != nodes_.end();
         ++it) {
      if (!labels.empty() &&
          !labels.Matches(NodeLabels(it->second.node.info()))) {
        continue;
      }
      if (static_cast<uint32_t>(response.nodes_size()) == page) {
        response.set_next_page_token(response.nodes().rbegin()->info().name());
        break;
      }
      v1::Node* out = response.add_nodes();
      *out = NodeViewLocked(it->second);
      ApplyNodeView(request.view(), *out);
    }
    return response;
  });
}

}  // namespace hetsched::control
