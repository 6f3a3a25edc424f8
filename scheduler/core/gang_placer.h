// Gang placement shared by every placement policy: fit one task group onto
// one accelerator kind using the free-capacity index (best fit or name
// order, optionally inside one ultraserver), and combine groups into an
// all-or-nothing placement. Policies differ only in how they rank kinds.
// Pure functions over a const Cluster; not thread-safe against writers.
#pragma once

#include <array>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "scheduler/core/cluster.h"
#include "scheduler/core/placement_policy.h"
#include "scheduler/core/types.h"

namespace hetsched::core {

enum class NodeOrder { kFirstFit, kPack };

// Where one task group would go on one kind.
struct GroupFit {
  int group = 0;
  std::string kind;
  std::string ultraserver;  // set when fitted inside one domain
  std::vector<ReplicaPlacement> replicas;
  std::vector<std::pair<int, int>> takes;  // (node id, devices taken)
  std::vector<std::pair<std::string, int>> cpu_takes;          // (node, cores)
  std::vector<std::pair<std::string, uint64_t>> memory_takes;  // (node, B)
  int accelerators = 0;
  double min_speed = 1;       // a gang runs at its slowest replica
  double price_per_hour = 0;  // sum over its accelerators
};

// Builds one job's placement group by group; earlier commits reduce what
// later fits see. Never touches the cluster.
class GangBuilder {
 public:
  GangBuilder(const Cluster& cluster, const JobRequest& job, NodeOrder order)
      : cluster_(cluster), job_(job), order_(order) {}

  // Where group `g` would go on `kind`; nullopt when it does not fit now.
  // With `one_domain`, inside one ultraserver (that of earlier groups when
  // they chose one).
  std::optional<GroupFit> Fit(int g, const std::string& kind,
                              bool one_domain) const;
  // Where CPU-only group `g` would go: any schedulable node the job's
  // providers and the group's selector allow, with free cores; hosts
  // without accelerators first, then name order. Walks every node (CPU-only
  // groups have no free index). nullopt when it does not fit now.
  std::optional<GroupFit> FitCpu(int g) const;
  void Commit(GroupFit fit);
  Placement Take() { return std::move(placement_); }

 private:
  int Taken(int id) const;
  int CpusTaken(const std::string& node) const;
  // Replicas of `group` that `node`'s free host memory still holds, after
  // earlier groups (INT_MAX when either does not count memory).
  int MemoryRoom(const TaskGroupRequest& group, const Node& node) const;
  // Adds `group`'s replicas on `node` to `fit`, with their memory.
  void AddMemoryTake(GroupFit& fit, const TaskGroupRequest& group,
                     const std::string& node, int replicas) const;
  bool FitInDomain(const TaskGroupRequest& group, int domain, int want,
                   std::vector<std::pair<int, int>>& picks) const;

  const Cluster& cluster_;
  const JobRequest& job_;
  NodeOrder order_;
  std::map<int, int> taken_;  // node id -> devices taken by earlier groups
  std::map<std::string, int> cpus_taken_;         // node -> cores, likewise
  std::map<std::string, uint64_t> memory_taken_;  // node -> bytes, likewise
  std::string ultraserver_;
  Placement placement_;
};

// Lexicographic; higher is better.
using KindScore = std::array<double, 3>;
// Scores a fit; nullopt rules the kind out for this job.
using KindScorer = std::function<std::optional<KindScore>(const GroupFit&)>;

// Places every group of `job` or none. For each group the candidate kinds
// (the job's order, minus those context.kind_allowed rejects) are fitted
// and the best-scoring fit kept (first in kind order on ties); with an
// empty scorer the first kind that fits wins. same_ultraserver: required
// places inside one domain or waits; preferred tries one domain first.
PlacementOutcome PlaceGang(const JobRequest& job, const Cluster& cluster,
                           const PlacementContext& context, NodeOrder order,
                           const KindScorer& scorer);

}  // namespace hetsched::core
