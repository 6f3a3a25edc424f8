// The placement interface: given a job and the cluster, decide where every
// replica goes, or say why not. Implementations depend only on core types,
// decide the same way every run (ties broken by node order), and never
// modify the cluster: the caller commits the placement.
//
// Implementations (one per file pair): "first-fit" (name order, the job's
// kind order), "pack" (topology-aware best fit), "hetero" (kind chosen by
// estimated throughput, then pack), "cost" (cheapest kind that meets the
// deadline, then pack).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "scheduler/core/cluster.h"
#include "scheduler/core/throughput_model.h"
#include "scheduler/core/types.h"

namespace hetsched::core {

// What a policy may consult besides the job and the cluster.
struct PlacementContext {
  absl::Time now = absl::UnixEpoch();
  const ThroughputModel* throughput = nullptr;  // null: catalogue estimates
  // When set, kinds for which it answers false are not used (queue quota).
  std::function<bool(const std::string& kind)> kind_allowed;
};

class PlacementPolicy {
 public:
  virtual ~PlacementPolicy() = default;
  virtual PlacementOutcome Place(const JobRequest& job, const Cluster& cluster,
                                 const PlacementContext& context) const = 0;
  PlacementOutcome Place(const JobRequest& job, const Cluster& cluster) const {
    return Place(job, cluster, PlacementContext{});
  }

  // "first-fit", "pack", "hetero" or "cost". INVALID_ARGUMENT otherwise.
  static absl::StatusOr<std::unique_ptr<PlacementPolicy>> Create(
      std::string_view name);
};

}  // namespace hetsched::core
