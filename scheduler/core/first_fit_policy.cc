#include "scheduler/core/first_fit_policy.h"

#include "scheduler/core/gang_placer.h"

namespace hetsched::core {

PlacementOutcome FirstFitPolicy::Place(const JobRequest& job,
                                       const Cluster& cluster,
                                       const PlacementContext& context) const {
  return PlaceGang(job, cluster, context, NodeOrder::kFirstFit, KindScorer());
}

}  // namespace hetsched::core
