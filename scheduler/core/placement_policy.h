// The placement interface: given a job and the cluster, decide where every
// replica goes, or say why not. Implementations depend only on core types,
// decide the same way every run (ties broken by node name), and never
// modify the cluster: the caller commits the placement.
#pragma once

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "scheduler/core/cluster.h"
#include "scheduler/core/types.h"

namespace hetsched::core {

class PlacementPolicy {
 public:
  virtual ~PlacementPolicy() = default;
  virtual PlacementOutcome Place(const JobRequest& job,
                                 const Cluster& cluster) const = 0;

  // "first-fit". INVALID_ARGUMENT for an unknown name.
  static absl::StatusOr<std::unique_ptr<PlacementPolicy>> Create(
      std::string_view name);
};

}  // namespace hetsched::core
