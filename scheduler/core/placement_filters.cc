#include "scheduler/core/placement_filters.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace hetsched::core {

bool KindAccepted(const TaskGroupRequest& group, const std::string& kind) {
  return group.kinds.empty() ||
         std::find(group.kinds.begin(), group.kinds.end(), kind) !=
             group.kinds.end();
}

bool ProviderAllowed(const JobRequest& job, const Node& node) {
  return job.providers.empty() ||
         std::find(job.providers.begin(), job.providers.end(),
                   node.topology.provider) != job.providers.end();
}

bool CouldEverHold(const JobRequest& job, const TaskGroupRequest& group,
                   const Node& node) {
  return KindAccepted(group, node.accelerator_kind) &&
         ProviderAllowed(job, node) &&
         node.accelerator_count >= group.accelerators_per_replica;
}

std::vector<std::string> CandidateKinds(const TaskGroupRequest& group,
                                        const Cluster& cluster) {
  if (!group.kinds.empty()) return group.kinds;
  std::set<std::string> kinds;
  for (const auto& [name, node] : cluster.nodes()) {
    kinds.insert(node.accelerator_kind);
  }
  return {kinds.begin(), kinds.end()};
}

std::optional<std::string> InfeasibleReason(const JobRequest& job,
                                            const Cluster& cluster) {
  for (const auto& group : job.groups) {
    // Replicas that fit per kind, counting whole replicas per node.
    std::map<std::string, int> slots_by_kind;
    for (const auto& [name, node] : cluster.nodes()) {
      if (!CouldEverHold(job, group, node) ||
          group.accelerators_per_replica <= 0) {
        continue;
      }
      slots_by_kind[node.accelerator_kind] +=
          node.accelerator_count / group.accelerators_per_replica;
    }
    int best = 0;
    for (const auto& [kind, slots] : slots_by_kind)
      best = std::max(best, slots);
    if (best < group.replicas) {
      std::string kinds =
          group.kinds.empty() ? "any kind" : absl::StrJoin(group.kinds, ", ");
      return absl::StrCat("task group ", group.name, " needs ", group.replicas,
                          " replicas x ", group.accelerators_per_replica,
                          " accelerators of one kind (", kinds,
                          "); the cluster can hold at most ", best);
    }
  }
  return std::nullopt;
}

}  // namespace hetsched::core
