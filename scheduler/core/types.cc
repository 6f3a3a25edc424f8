#include "scheduler/core/types.h"

namespace hetsched::core {

int JobRequest::TotalReplicas() const {
  int total = 0;
  for (const auto& g : groups) total += g.replicas;
  return total;
}

int JobRequest::TotalAccelerators() const {
  int total = 0;
  for (const auto& g : groups) total += g.replicas * g.accelerators_per_replica;
  return total;
}

}  // namespace hetsched::core
