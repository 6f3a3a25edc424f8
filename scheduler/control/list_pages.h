// Pure helpers for the paged lists (AIP-158) and their views (AIP-157):
// which jobs a ListJobs request selects, how large a page is, what a page
// token may be, and what BASIC leaves out of a job or a node.
//
// Thread-safe: free functions over values.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "common/labels.h"
#include "hetsched/v1/scheduler.pb.h"

namespace hetsched::control {

inline constexpr uint32_t kDefaultJobPageSize = 500;
inline constexpr uint32_t kDefaultNodePageSize = 1000;
inline constexpr uint32_t kMaxPageSize = 5000;

// `requested` (0: `default_size`), cut to kMaxPageSize.
uint32_t EffectivePageSize(uint32_t requested, uint32_t default_size);

// Whether `job` passes the request's filters (states, owner, queue,
// ended_since_ms, and `labels`: its label_selector, parsed once).
bool JobSelected(const v1::Job& job, const v1::ListJobsRequest& request,
                 const LabelSelector& labels);

// A job page token is the id of the last job of the previous page.
absl::Status ValidateJobPageToken(const std::string& token);

// Drops what the view leaves out (see ListView in scheduler.proto).
void ApplyJobView(v1::ListView view, v1::Job& job);
void ApplyNodeView(v1::ListView view, v1::Node& node);

}  // namespace hetsched::control
