// What each queue is configured for, holds and waits for, computed from one
// ClusterSnapshot: the answer of `hetsched queues` (ListQueues) and the
// source of the per-queue metric families. Pure.
#pragma once

#include <vector>

#include "hetsched/v1/scheduler.pb.h"
#include "scheduler/control/cluster_snapshot.h"

namespace hetsched::control {

// One entry per queue that is configured, named by a job, or "default";
// sorted by name. Each lists the kinds it has a quota for or holds. Jobs
// waiting for dependencies are counted apart from the pending ones: they
// wait for other jobs, not for accelerators.
std::vector<v1::Queue> SummarizeQueues(const ClusterSnapshot& snapshot);

}  // namespace hetsched::control
