// Accelerator-hours and cost per owner, queue, kind or job over a time
// window (GetUsage, `hetsched usage`), from the stored jobs and tasks.
// Pure.
#pragma once

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "hetsched/v1/job.pb.h"
#include "hetsched/v1/scheduler.pb.h"
#include "scheduler/control/job_map.h"

namespace hetsched::control {

// Each task of every attempt counts from its start (RUNNING) to its end, or
// to `now_ms` while it runs, clipped to the window, times its accelerators;
// cost uses `price_by_node` (0 for a node not listed). INVALID_ARGUMENT
// names group_by or until_ms when they are bad. `retired` holds the
// summaries of retired jobs (job_retention.h), counted the same way.
absl::StatusOr<v1::GetUsageResponse> ComputeUsage(
    const JobMap& jobs, const std::map<std::string, double>& price_by_node,
    const v1::GetUsageRequest& request, int64_t now_ms,
    const JobMap& retired = {});

}  // namespace hetsched::control
