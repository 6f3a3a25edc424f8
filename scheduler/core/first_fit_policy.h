// First-fit gang placement, the simplest policy and the baseline: each task
// group goes onto the first accelerator kind in the job's order of
// preference that fits, replicas onto nodes in name order; with a
// same-ultraserver requirement, inside one domain. All groups or none.
#pragma once

#include "scheduler/core/placement_policy.h"

namespace hetsched::core {

class FirstFitPolicy final : public PlacementPolicy {
 public:
  using PlacementPolicy::Place;
  PlacementOutcome Place(const JobRequest& job, const Cluster& cluster,
                         const PlacementContext& context) const override;
};

}  // namespace hetsched::core
