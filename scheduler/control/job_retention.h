// Retention of finished jobs (--retain-finished): what is left of a job
// once it has ended long enough ago. Its record and events leave memory
// and the store; this summary stays, so `hetsched usage` still counts its
// accelerator-hours and jobs that depend on it still see how it ended.
// Pure.
#pragma once

#include <cstdint>

#include "absl/time/time.h"
#include "hetsched/v1/job.pb.h"

namespace hetsched::control {

// The id, state, times, owner, queue and name, and of each task that held
// accelerators: its id, node, kind, devices and start and end times.
v1::Job RetiredSummary(const v1::Job& job);

// True when `job` ended at or before `now_ms - retain` (never with a zero
// `retain`: keep forever).
bool DueForRetirement(const v1::Job& job, absl::Duration retain,
                      int64_t now_ms);

}  // namespace hetsched::control
