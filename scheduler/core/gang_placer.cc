#include "scheduler/core/gang_placer.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "scheduler/core/placement_filters.h"

namespace hetsched::core {

int GangBuilder::Taken(int id) const {
  auto it = taken_.find(id);
  return it == taken_.end() ? 0 : it->second;
}

int GangBuilder::CpusTaken(const std::string& node) const {
  auto it = cpus_taken_.find(node);
  return it == cpus_taken_.end() ? 0 : it->second;
}

int GangBuilder::MemoryRoom(const TaskGroupRequest& group,
                            const Node& node) const {
  const uint64_t each = group.memory_bytes_per_replica;
  const uint64_t free = cluster_.FreeMemory(node.name);
  if (each == 0 || free == UINT64_MAX) return INT_MAX;
  auto it = memory_taken_.find(node.name);
  const uint64_t taken = it == memory_taken_.end() ? 0 : it->second;
  if (taken >= free) return 0;
  return static_cast<int>(std::min<uint64_t>((free - taken) / each, INT_MAX));
}

void GangBuilder::AddMemoryTake(GroupFit& fit, const TaskGroupRequest& group,
                                const std::string& node, int replicas) const {
  if (group.memory_bytes_per_replica == 0) return;
  fit.memory_takes.emplace_back(
      node, group.memory_bytes_per_replica * static_cast<uint64_t>(replicas));
}

std::optional<GroupFit> GangBuilder::FitCpu(int g) const {
  const TaskGroupRequest& group = job_.groups[g];
  const int want = group.replicas;
  const int need =
      group.min_replicas > 0 ? std::min(group.min_replicas, want) : want;
  if (want <= 0) return std::nullopt;
  std::vector<const Node*> candidates;
  for (const auto& [name, node] : cluster_.nodes()) {
    if (IsSchedulable(node, /*allow_degraded=*/true) &&
        ProviderAllowed(job_, node) && SelectorAllows(group, node)) {
      candidates.push_back(&node);
    }
  }
  // CPU work leaves accelerator hosts' cores to the jobs on their devices.
  std::stable_partition(
      candidates.begin(), candidates.end(),
      [](const Node* n) { return n->accelerator_count == 0; });
  GroupFit fit;
  fit.group = g;
  fit.kind = "cpu";
  int replica = 0;
  for (const Node* node : candidates) {
    const int free = cluster_.FreeCpus(node->name) - CpusTaken(node->name);
    const int k = std::min(
        {free / kCpusPerCpuReplica, want - replica, MemoryRoom(group, *node)});
    if (k <= 0) continue;
    for (int i = 0; i < k; ++i) {
      fit.replicas.push_back({g,
                              replica++,
                              node->name,
                              {},
                              kCpusPerCpuReplica,
                              group.memory_bytes_per_replica});
    }
    fit.cpu_takes.emplace_back(node->name, k * kCpusPerCpuReplica);
    AddMemoryTake(fit, group, node->name, k);
    if (replica == want) break;
  }
  if (replica < need) return std::nullopt;
  return fit;
}

// Best fit inside one domain: its nodes (a few dozen at most) sorted by
// what would be left, fastest first among equals.
bool GangBuilder::FitInDomain(const TaskGroupRequest& group, int domain,
                              int want,
                              std::vector<std::pair<int, int>>& picks) const {
  const FreeIndex& index = cluster_.free_index();
  const int a = group.accelerators_per_replica;
  std::vector<std::tuple<int, int, int>> nodes;  // (free, -speed, id)
  for (int id : index.domain(domain).nodes) {
    const auto& e = index.entry(id);
    int free = e.free - Taken(id);
    if (!e.usable || free < a || !SelectorAllows(group, *e.node)) continue;
    int speed = order_ == NodeOrder::kPack ? std::get<2>(e.key) : 0;
    nodes.emplace_back(order_ == NodeOrder::kPack ? free : 0, speed, id);
  }
  std::sort(nodes.begin(), nodes.end(), [&](const auto& x, const auto& y) {
    if (order_ == NodeOrder::kFirstFit) {
      return index.entry(std::get<2>(x)).node->name <
             index.entry(std::get<2>(y)).node->name;
    }
    return x < y;
  });
  int got = 0;
  picks.clear();
  for (const auto& [unused, speed, id] : nodes) {
    int k = std::min({(index.entry(id).free - Taken(id)) / a, want - got,
                      MemoryRoom(group, *index.entry(id).node)});
    if (k > 0) picks.emplace_back(id, k);
    got += k;
    if (got == want) break;
  }
  return got > 0;
}

std::optional<GroupFit> GangBuilder::Fit(int g, const std::string& kind,
                                         bool one_domain) const {
  const TaskGroupRequest& group = job_.groups[g];
  const int a = group.accelerators_per_replica;
  const int want = group.replicas;
  const int need =
      group.min_replicas > 0 ? std::min(group.min_replicas, want) : want;
  if (a <= 0 || want <= 0) return std::nullopt;
  const FreeIndex& index = cluster_.free_index();
  std::vector<int> parts =
      index.PartitionsOf(kind, job_.providers, job_.allow_degraded);
  long slots = 0;
  for (int p : parts) slots += index.SlotsNow(p, a);
  if (slots < need) return std::nullopt;  // earlier groups only take more

  std::vector<std::pair<int, int>> picks;  // (node id, replicas)
  int got = 0;
  int chosen_domain = -1;
  if (one_domain) {
    std::vector<std::pair<int, int>> trial;
    auto try_domain = [&](int d) {
      if (d < 0 || !FitInDomain(group, d, want, trial)) return false;
      int n = 0;
      for (const auto& [id, k] : trial) n += k;
      if (n < need) return false;
      picks = trial;
      got = n;
      chosen_domain = d;
      return true;
    };
    for (int p : parts) {
      if (!ultraserver_.empty()) {
        if (try_domain(index.FindDomain(p, ultraserver_))) break;
        continue;
      }
      // Smallest domain with room first: whole domains stay free.
      const auto& domains = index.partition(p).domains;
      bool done = false;
      for (auto it = domains.lower_bound({need * a, INT_MIN});
           it != domains.end() && !done; ++it) {
        done = try_domain(it->second);
      }
      if (done) break;
    }
  } else {
    for (int p : parts) {
      const auto& part = index.partition(p);
      auto take = [&](int id) {
        // Selectors are no partition: a node the group excludes is passed.
        if (!SelectorAllows(group, *index.entry(id).node)) return;
        int k = std::min({(index.entry(id).free - Taken(id)) / a, want - got,
                          MemoryRoom(group, *index.entry(id).node)});
        if (k > 0) picks.emplace_back(id, k);
        got += std::max(k, 0);
      };
      if (order_ == NodeOrder::kPack) {
        for (auto it = part.by_fit.lower_bound({a, INT_MIN, INT_MIN, INT_MIN});
             it != part.by_fit.end() && got < want; ++it) {
          take(std::get<3>(*it));
        }
      } else {
        for (auto it = part.by_name.begin();
             it != part.by_name.end() && got < want; ++it) {
          take(it->second);
        }
      }
      if (got == want) break;
    }
  }
  if (got < need) return std::nullopt;

  GroupFit fit;
  fit.group = g;
  fit.kind = kind;
  if (chosen_domain >= 0) fit.ultraserver = index.domain(chosen_domain).name;
  int replica = 0;
  for (const auto& [id, k] : picks) {
    const Node& node = *index.entry(id).node;
    std::vector<int> free = cluster_.FreeDevicesOf(id);
    int skip = Taken(id);
    for (int i = 0; i < k; ++i) {
      auto from = free.begin() + skip + i * a;
      fit.replicas.push_back({g, replica++, node.name,
                              std::vector<int>(from, from + a), 0,
                              group.memory_bytes_per_replica});
    }
    fit.takes.emplace_back(id, k * a);
    AddMemoryTake(fit, group, node.name, k);
    fit.accelerators += k * a;
    fit.min_speed = std::min(fit.min_speed, node.speed_factor);
    fit.price_per_hour += k * a * node.price_per_accel_hour;
  }
  if (picks.empty()) fit.min_speed = 0;
  return fit;
}

void GangBuilder::Commit(GroupFit fit) {
  for (const auto& [id, n] : fit.takes) taken_[id] += n;
  for (const auto& [node, n] : fit.cpu_takes) cpus_taken_[node] += n;
  for (const auto& [node, n] : fit.memory_takes) memory_taken_[node] += n;
  if (!fit.ultraserver.empty()) ultraserver_ = fit.ultraserver;
  for (auto& r : fit.replicas) placement_.replicas.push_back(std::move(r));
}

namespace {

std::optional<Placement> Attempt(const JobRequest& job, const Cluster& cluster,
                                 const PlacementContext& context,
                                 NodeOrder order, const KindScorer& scorer,
                                 bool one_domain) {
  GangBuilder builder(cluster, job, order);
  for (size_t g = 0; g < job.groups.size(); ++g) {
    if (job.groups[g].accelerators_per_replica <= 0) {
      // No kind to choose: the scorer and the kind filter have nothing to
      // rank, and topology binds accelerators only.
      auto fit = builder.FitCpu(static_cast<int>(g));
      if (!fit) return std::nullopt;
      builder.Commit(std::move(*fit));
      continue;
    }
    std::optional<GroupFit> best;
    KindScore best_score{};
    for (const auto& kind : CandidateKinds(job.groups[g], cluster)) {
      if (context.kind_allowed && !context.kind_allowed(kind)) continue;
      auto fit = builder.Fit(static_cast<int>(g), kind, one_domain);
      if (!fit) continue;
      if (!scorer) {
        best = std::move(fit);
        break;
      }
      auto score = scorer(*fit);
      if (!score) continue;
      if (!best || *score > best_score) {
        best = std::move(fit);
        best_score = *score;
      }
    }
    if (!best) return std::nullopt;
    builder.Commit(std::move(*best));
  }
  return builder.Take();
}

}  // namespace

PlacementOutcome PlaceGang(const JobRequest& job, const Cluster& cluster,
                           const PlacementContext& context, NodeOrder order,
                           const KindScorer& scorer) {
  PlacementOutcome outcome;
  std::optional<Placement> placement;
  if (job.same_ultraserver != TopologyRequirement::kNone) {
    placement = Attempt(job, cluster, context, order, scorer, true);
  }
  if (!placement && job.same_ultraserver != TopologyRequirement::kRequired) {
    placement = Attempt(job, cluster, context, order, scorer, false);
  }
  if (placement) {
    outcome.kind = PlacementOutcome::Kind::kPlaced;
    outcome.placement = std::move(*placement);
    return outcome;
  }
  if (auto reason = InfeasibleReason(job, cluster)) {
    outcome.kind = PlacementOutcome::Kind::kInfeasible;
    outcome.reason = *reason;
    return outcome;
  }
  outcome.kind = PlacementOutcome::Kind::kWait;
  if (job.TotalAccelerators() == 0) {
    int replicas = 0;
    for (const auto& g : job.groups) replicas += g.replicas;
    outcome.reason = absl::StrCat("waiting for ", replicas * kCpusPerCpuReplica,
                                  " free CPU cores on nodes it accepts");
  } else if (job.same_ultraserver == TopologyRequirement::kRequired) {
    outcome.reason = "waiting for room inside one ultraserver";
  } else {
    outcome.reason = absl::StrCat(
        "waiting for ", job.TotalAccelerators(),
        " free accelerators of an accepted kind (",
        cluster.TotalAccelerators() - cluster.AllocatedAccelerators(),
        " free in the cluster)");
  }
  for (const auto& g : job.groups) {
    if (g.memory_bytes_per_replica == 0) continue;
    absl::StrAppend(&outcome.reason, "; each replica of ", g.name, " needs ",
                    g.memory_bytes_per_replica,
                    " bytes of host memory free on its node");
  }
  return outcome;
}

}  // namespace hetsched::core
