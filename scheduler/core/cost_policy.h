// Cost objective: among the accepted kinds that fit now, the one with the
// lowest spend per step of work (price per accelerator-hour of the chosen
// nodes / estimated steps per second) that still finishes in time: by the
// job's deadline when it has one, else within its max runtime (both need
// total_steps to mean anything). When no kind meets it, the fastest.
// Nodes are chosen by topology-aware best fit (pack).
#pragma once

#include "scheduler/core/placement_policy.h"

namespace hetsched::core {

class CostPolicy final : public PlacementPolicy {
 public:
  using PlacementPolicy::Place;
  PlacementOutcome Place(const JobRequest& job, const Cluster& cluster,
                         const PlacementContext& context) const override;
};

}  // namespace hetsched::core
