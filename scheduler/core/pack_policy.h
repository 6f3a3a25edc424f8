// Topology-aware packing: the job's kinds in its order of preference (an
// inference service tries inference-class kinds first), replicas by best
// fit so that whole nodes and whole ultraservers stay free for the gangs
// that need them (see free_index.h for the order).
#pragma once

#include "scheduler/core/placement_policy.h"

namespace hetsched::core {

class PackPolicy final : public PlacementPolicy {
 public:
  using PlacementPolicy::Place;
  PlacementOutcome Place(const JobRequest& job, const Cluster& cluster,
                         const PlacementContext& context) const override;
};

// 1 when `job` is an inference service and `kind` is inference-class
// (aws/inferentia2, nvidia/l4): such services prefer those parts.
double InferencePreference(const JobRequest& job, const std::string& kind);

}  // namespace hetsched::core
