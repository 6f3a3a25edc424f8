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
  return cluster.free_index().Kinds();
}

std::optional<std::string> InfeasibleReason(const JobRequest& job,
                                            const Cluster& cluster) {
  const FreeIndex& index = cluster.free_index();
  for (const auto& group : job.groups) {
    const int a = group.accelerators_per_replica;
    const int need = group.min_replicas > 0
                         ? std::min(group.min_replicas, group.replicas)
                         : group.replicas;
    // Replicas that fit per kind when everything is free, counting whole
    // replicas per node; degraded and drained nodes count (they come back).
    long best = 0;
    long best_domain = 0;
    for (const auto& kind : CandidateKinds(group, cluster)) {
      long slots = 0;
      for (int p : index.PartitionsOf(kind, job.providers, true)) {
        slots += index.SlotsEver(p, a);
        if (job.same_ultraserver != TopologyRequirement::kRequired) continue;
        best_domain = std::max(best_domain, index.MaxDomainSlotsEver(p, a));
      }
      best = std::max(best, slots);
    }
    std::string kinds =
        group.kinds.empty() ? "any kind" : absl::StrJoin(group.kinds, ", ");
    if (a <= 0 || best < need) {
      return absl::StrCat("task group ", group.name, " needs ", need,
                          " replicas x ", a, " accelerators of one kind (",
                          kinds, "); the cluster can hold at most ", best);
    }
    if (job.same_ultraserver == TopologyRequirement::kRequired &&
        best_domain < need) {
      return absl::StrCat("task group ", group.name, " needs ", need,
                          " replicas x ", a, " accelerators (", kinds,
                          ") inside one ultraserver; the largest holds ",
                          best_domain);
    }
  }
  return std::nullopt;
}

}  // namespace hetsched::core
