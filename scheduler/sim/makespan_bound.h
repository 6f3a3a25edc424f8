// The fractional lower bound on a trace's makespan: the allocation LP
// (min-makespan, allocation_optimizer.h) over every job of the trace at
// once with the true rates, as if all had arrived with the first, and no
// job faster than alone on its best kind after its own arrival. No
// schedule can finish the trace sooner. Pure; thread-compatible.
#pragma once

#include <vector>

#include "scheduler/core/throughput_model.h"
#include "scheduler/sim/sim_input.h"

namespace hetsched::sim {

// Seconds from the first submit; 0 for an empty trace, or one of more
// than `max_jobs` jobs (the single LP would be too big to be worth it).
double MakespanLowerBound(const SimCluster& cluster,
                          const std::vector<TraceJob>& trace,
                          const core::ThroughputTable& throughputs,
                          size_t max_jobs = 20000);

}  // namespace hetsched::sim
