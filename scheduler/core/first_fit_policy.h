// First-fit gang placement: each task group goes onto one accelerator kind
// (tried in the job's order of preference), replicas onto the first nodes
// in name order with room; with a same-ultraserver requirement, inside one
// domain. All groups of the job are placed, or none.
#pragma once

#include "scheduler/core/placement_policy.h"

namespace hetsched::core {

class FirstFitPolicy final : public PlacementPolicy {
 public:
  PlacementOutcome Place(const JobRequest& job,
                         const Cluster& cluster) const override;
};

}  // namespace hetsched::core
