// The human view of accelerator use: the `usage` table. Pure. Thread-safe.
#pragma once

#include <ostream>
#include <string>

#include "hetsched/v1/scheduler.pb.h"

namespace hetsched::cli {

// A header naming the window, then KEY (the grouping: OWNER, QUEUE, KIND
// or JOB), JOBS, ACCEL-HOURS, COST, one row per key, most hours first, and
// a TOTAL row.
void PrintUsageTable(const v1::GetUsageResponse& usage,
                     const std::string& group_by, int64_t now_ms,
                     std::ostream& out);

}  // namespace hetsched::cli
