#include "scheduler/core/first_fit_policy.h"

#include <map>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "scheduler/core/placement_filters.h"

namespace hetsched::core {
namespace {

// Free devices per node, updated as replicas are tentatively placed.
using FreeMap = std::map<std::string, std::vector<int>, std::less<>>;

// Places every replica of `group` on nodes of `kind` (restricted to
// `domain` when not empty), taking devices from `free`. Nothing is taken
// when it fails.
bool PlaceGroup(const JobRequest& job, int group_index, const std::string& kind,
                const std::string* domain, const Cluster& cluster,
                FreeMap& free, std::vector<ReplicaPlacement>& out) {
  const TaskGroupRequest& group = job.groups[group_index];
  FreeMap trial = free;
  std::vector<ReplicaPlacement> placed;
  for (int r = 0; r < group.replicas; ++r) {
    bool done = false;
    for (const auto& [name, node] : cluster.nodes()) {
      if (node.accelerator_kind != kind ||
          !IsSchedulable(node, job.allow_degraded) ||
          !ProviderAllowed(job, node) ||
          (domain != nullptr && node.topology.ultraserver != *domain)) {
        continue;
      }
      auto& devices = trial[name];
      if (static_cast<int>(devices.size()) < group.accelerators_per_replica) {
        continue;
      }
      ReplicaPlacement rp{
          group_index,
          r,
          name,
          {devices.begin(), devices.begin() + group.accelerators_per_replica}};
      devices.erase(devices.begin(),
                    devices.begin() + group.accelerators_per_replica);
      placed.push_back(std::move(rp));
      done = true;
      break;
    }
    if (!done) return false;
  }
  free = std::move(trial);
  out.insert(out.end(), placed.begin(), placed.end());
  return true;
}

// Places all groups; each group on its first kind that fits.
std::optional<Placement> PlaceAll(const JobRequest& job,
                                  const std::string* domain,
                                  const Cluster& cluster) {
  FreeMap free;
  for (const auto& [name, node] : cluster.nodes()) {
    free[name] = cluster.FreeDevices(name);
  }
  Placement placement;
  for (size_t g = 0; g < job.groups.size(); ++g) {
    bool placed = false;
    for (const auto& kind : CandidateKinds(job.groups[g], cluster)) {
      if (PlaceGroup(job, static_cast<int>(g), kind, domain, cluster, free,
                     placement.replicas)) {
        placed = true;
        break;
      }
    }
    if (!placed) return std::nullopt;
  }
  return placement;
}

}  // namespace

PlacementOutcome FirstFitPolicy::Place(const JobRequest& job,
                                       const Cluster& cluster) const {
  PlacementOutcome outcome;
  if (auto reason = InfeasibleReason(job, cluster)) {
    outcome.kind = PlacementOutcome::Kind::kInfeasible;
    outcome.reason = *reason;
    return outcome;
  }
  if (job.same_ultraserver != TopologyRequirement::kNone) {
    std::set<std::string> domains;
    for (const auto& [name, node] : cluster.nodes()) {
      if (!node.topology.ultraserver.empty()) {
        domains.insert(node.topology.ultraserver);
      }
    }
    for (const auto& domain : domains) {
      if (auto p = PlaceAll(job, &domain, cluster)) {
        outcome.kind = PlacementOutcome::Kind::kPlaced;
        outcome.placement = std::move(*p);
        return outcome;
      }
    }
    if (job.same_ultraserver == TopologyRequirement::kRequired) {
      outcome.reason = "waiting for room inside one ultraserver";
      return outcome;
    }
  }
  if (auto p = PlaceAll(job, nullptr, cluster)) {
    outcome.kind = PlacementOutcome::Kind::kPlaced;
    outcome.placement = std::move(*p);
    return outcome;
  }
  outcome.reason = absl::StrCat(
      "waiting for ", job.TotalAccelerators(),
      " free accelerators of an accepted kind (",
      cluster.TotalAccelerators() - cluster.AllocatedAccelerators(),
      " free in the cluster)");
  return outcome;
}

}  // namespace hetsched::core
