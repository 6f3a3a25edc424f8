// Heterogeneity-aware placement in the spirit of Gavel's effective
// throughput: for each task group, every accepted kind that fits now is
// scored by the job's estimated throughput there (throughput model x the
// slowest node's calibrated speed factor), relative to the job's best kind
// (r), weighted by its comparative advantage over the average class on
// that kind (r / Reference(kind)): score = r * sqrt(r / reference). A job
// goes to its fastest kind unless another job class gains much more from
// that kind; classes that run slower on the newer kind go to the older
// one. Inference services prefer inference-class kinds first. Nodes are
// then chosen by topology-aware best fit (pack).
#pragma once

#include "scheduler/core/placement_policy.h"

namespace hetsched::core {

class HeteroPolicy final : public PlacementPolicy {
 public:
  using PlacementPolicy::Place;
  PlacementOutcome Place(const JobRequest& job, const Cluster& cluster,
                         const PlacementContext& context) const override;
};

// The model of `context`, or an empty one (catalogue estimates).
const ThroughputModel& ModelOf(const PlacementContext& context);

// A reason when the throughput table rules out every accepted kind of some
// group at its size; nullopt otherwise.
std::optional<std::string> ThroughputInfeasible(const JobRequest& job,
                                                const Cluster& cluster,
                                                const ThroughputModel& model);

}  // namespace hetsched::core
