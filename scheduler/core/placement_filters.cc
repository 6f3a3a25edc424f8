#include "scheduler/core/placement_filters.h"

#include <algorithm>
#include <cstdint>
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

bool SelectorAllows(const TaskGroupRequest& group, const Node& node) {
  for (const auto& [key, value] : group.node_selector) {
    auto it = node.labels.find(key);
    if (it == node.labels.end() || it->second != value) return false;
  }
  return true;
}

bool CouldEverHold(const JobRequest& job, const TaskGroupRequest& group,
                   const Node& node) {
  return KindAccepted(group, node.accelerator_kind) &&
         ProviderAllowed(job, node) && SelectorAllows(group, node) &&
         node.accelerator_count >= group.accelerators_per_replica;
}

std::vector<std::string> CandidateKinds(const TaskGroupRequest& group,
                                        const Cluster& cluster) {
  if (!group.kinds.empty()) return group.kinds;
  return cluster.free_index().Kinds();
}

namespace {

// Most replicas of `group` (a accelerators each) that fit on one kind, and
// inside one ultraserver, when everything is free.
struct Capacity {
  long best = 0;
  long best_domain = 0;
};

Capacity IndexedCapacity(const JobRequest& job, const TaskGroupRequest& group,
                         const Cluster& cluster) {
  const FreeIndex& index = cluster.free_index();
  const int a = group.accelerators_per_replica;
  Capacity out;
  for (const auto& kind : CandidateKinds(group, cluster)) {
    long slots = 0;
    for (int p : index.PartitionsOf(kind, job.providers, true)) {
      slots += index.SlotsEver(p, a);
      if (job.same_ultraserver != TopologyRequirement::kRequired) continue;
      out.best_domain =
          std::max(out.best_domain, index.MaxDomainSlotsEver(p, a));
    }
    out.best = std::max(out.best, slots);
  }
  return out;
}

// A node selector is no partition of the index: walk the nodes.
Capacity SelectedCapacity(const JobRequest& job, const TaskGroupRequest& group,
                          const Cluster& cluster) {
  const int a = group.accelerators_per_replica;
  std::map<std::string, long> by_kind;
  std::map<std::pair<std::string, std::string>, long> by_domain;
  for (const auto& [name, node] : cluster.nodes()) {
    if (!CouldEverHold(job, group, node)) continue;
    const long slots = node.accelerator_count / a;
    by_kind[node.accelerator_kind] += slots;
    if (!node.topology.ultraserver.empty()) {
      by_domain[{node.accelerator_kind, node.topology.ultraserver}] += slots;
    }
  }
  Capacity out;
  for (const auto& [kind, slots] : by_kind)
    out.best = std::max(out.best, slots);
  for (const auto& [domain, slots] : by_domain) {
    out.best_domain = std::max(out.best_domain, slots);
  }
  return out;
}

// Cores every node the CPU-only `group` accepts would have when empty.
long CpuCapacity(const JobRequest& job, const TaskGroupRequest& group,
                 const Cluster& cluster) {
  long cores = 0;
  for (const auto& [name, node] : cluster.nodes()) {
    if (ProviderAllowed(job, node) && SelectorAllows(group, node)) {
      cores += node.cpu_count;
    }
  }
  return cores;
}

// The most host memory any node `group` accepts has (kind, provider and
// selector allowing); UINT64_MAX when one of them does not count memory.
uint64_t LargestMemory(const JobRequest& job, const TaskGroupRequest& group,
                       const Cluster& cluster) {
  uint64_t largest = 0;
  const int a = group.accelerators_per_replica;
  for (const auto& [name, node] : cluster.nodes()) {
    if (!ProviderAllowed(job, node) || !SelectorAllows(group, node)) continue;
    if (a > 0 && (node.accelerator_count < a ||
                  (!group.kinds.empty() &&
                   std::find(group.kinds.begin(), group.kinds.end(),
                             node.accelerator_kind) == group.kinds.end()))) {
      continue;
    }
    if (node.memory_bytes == 0) return UINT64_MAX;
    largest = std::max(largest, node.memory_bytes);
  }
  return largest;
}

std::string SelectorText(const TaskGroupRequest& group) {
  std::vector<std::string> pairs;
  for (const auto& [key, value] : group.node_selector) {
    pairs.push_back(absl::StrCat(key, "=", value));
  }
  return absl::StrJoin(pairs, ",");
}

}  // namespace

std::optional<std::string> InfeasibleReason(const JobRequest& job,
                                            const Cluster& cluster) {
  for (const auto& group : job.groups) {
    if (group.memory_bytes_per_replica > 0) {
      const uint64_t largest = LargestMemory(job, group, cluster);
      if (largest < group.memory_bytes_per_replica) {
        return absl::StrCat("task group ", group.name, " asks ",
                            group.memory_bytes_per_replica,
                            " bytes of memory per replica; the largest node "
                            "it accepts has ",
                            largest);
      }
    }
    const int a = group.accelerators_per_replica;
    const int need = group.min_replicas > 0
                         ? std::min(group.min_replicas, group.replicas)
                         : group.replicas;
    if (a <= 0) {
      const long most = CpuCapacity(job, group, cluster) / kCpusPerCpuReplica;
      if (most >= need) continue;
      return absl::StrCat(
          "task group ", group.name, " needs ", need, " replicas x ",
          kCpusPerCpuReplica, " CPU core",
          group.node_selector.empty()
              ? ""
              : absl::StrCat(", on nodes with ", SelectorText(group)),
          "; the cluster can hold at most ", most);
    }
    // Replicas that fit per kind when everything is free, counting whole
    // replicas per node; degraded and drained nodes count (they come back).
    const Capacity slots = group.node_selector.empty()
                               ? IndexedCapacity(job, group, cluster)
                               : SelectedCapacity(job, group, cluster);
    const long best = slots.best;
    const long best_domain = slots.best_domain;
    std::string kinds =
        group.kinds.empty() ? "any kind" : absl::StrJoin(group.kinds, ", ");
    if (!group.node_selector.empty()) {
      absl::StrAppend(&kinds, ", on nodes with ", SelectorText(group));
    }
    if (best < need) {
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
