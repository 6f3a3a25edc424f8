#include "scheduler/core/free_index.h"

#include <algorithm>
#include <cmath>

namespace hetsched::core {
namespace {

void Bump(std::vector<int>& hist, int at, int by) {
  if (at < 0) return;
  if (static_cast<int>(hist.size()) <= at) hist.resize(at + 1, 0);
  hist[at] += by;
}

}  // namespace

int FreeIndex::PartitionFor(const Node& node) {
  auto key = std::make_tuple(node.accelerator_kind, node.topology.provider,
                             node.degraded);
  auto [it, inserted] = partition_ids_.emplace(key, partitions_.size());
  if (inserted) {
    Partition p;
    p.kind = node.accelerator_kind;
    p.provider = node.topology.provider;
    p.degraded = node.degraded;
    partitions_.push_back(std::move(p));
  }
  return it->second;
}

int FreeIndex::DomainFor(int partition, const std::string& name) {
  if (name.empty()) return -1;
  auto [it, inserted] =
      domain_ids_.emplace(std::make_pair(partition, name), domains_.size());
  if (inserted) {
    domains_.push_back(Domain{name, partition, {}, 0});
    partitions_[partition].all_domains.push_back(it->second);
  }
  return it->second;
}

FreeIndex::FitKey FreeIndex::KeyOf(int id) const {
  const Entry& e = entries_[id];
  int domain_free = e.domain < 0 ? -1 : domains_[e.domain].free;
  int speed = -static_cast<int>(std::lround(e.node->speed_factor * 1000));
  return {e.free, domain_free, speed, id};
}

// Fit keys of a domain's nodes embed the domain's free count, so every
// change inside a domain re-keys its members (at most a few dozen nodes).
void FreeIndex::Unindex(int id) {
  Entry& e = entries_[id];
  Partition& p = partitions_[e.partition];
  auto erase_key = [&](int n) {
    Entry& m = entries_[n];
    if (!m.usable || m.free <= 0) return;
    p.by_fit.erase(m.key);
    p.by_name.erase(m.node->name);
  };
  if (e.domain >= 0) {
    Domain& d = domains_[e.domain];
    for (int n : d.nodes) erase_key(n);
    if (d.free > 0) p.domains.erase({d.free, e.domain});
    if (e.usable) d.free -= e.free;
  } else {
    erase_key(id);
  }
  if (e.usable) Bump(p.free_hist, e.free, -1);
}

void FreeIndex::Index(int id) {
  Entry& e = entries_[id];
  Partition& p = partitions_[e.partition];
  if (e.usable) Bump(p.free_hist, e.free, 1);
  auto insert_key = [&](int n) {
    Entry& m = entries_[n];
    if (!m.usable || m.free <= 0) return;
    m.key = KeyOf(n);
    p.by_fit.insert(m.key);
    p.by_name.emplace(m.node->name, n);
  };
  if (e.domain >= 0) {
    Domain& d = domains_[e.domain];
    if (e.usable) d.free += e.free;
    if (d.free > 0) p.domains.insert({d.free, e.domain});
    for (int n : d.nodes) insert_key(n);
  } else {
    insert_key(id);
  }
}

void FreeIndex::Upsert(int id, const Node* node, int free) {
  max_domain_slots_.clear();
  if (id < static_cast<int>(entries_.size()) && entries_[id].live) Remove(id);
  if (id >= static_cast<int>(entries_.size())) entries_.resize(id + 1);
  Entry& e = entries_[id];
  e.node = node;
  e.partition = PartitionFor(*node);
  e.domain = DomainFor(e.partition, node->topology.ultraserver);
  e.free = free;
  e.usable = node->ready && !node->drained;
  e.live = true;
  Bump(partitions_[e.partition].cap_hist, node->accelerator_count, 1);
  if (e.domain >= 0) {
    // Unindex/Index re-key the whole domain; join it with zero weight first.
    int keep = e.free;
    e.free = 0;
    bool usable = e.usable;
    e.usable = false;
    Unindex(id);
    domains_[e.domain].nodes.push_back(id);
    e.free = keep;
    e.usable = usable;
    Index(id);
  } else {
    Index(id);
  }
}

void FreeIndex::Remove(int id) {
  Entry& e = entries_[id];
  if (!e.live) return;
  max_domain_slots_.clear();
  Unindex(id);
  Bump(partitions_[e.partition].cap_hist, e.node->accelerator_count, -1);
  e.live = false;
  bool usable = e.usable;
  e.usable = false;
  if (e.domain >= 0) {
    auto& nodes = domains_[e.domain].nodes;
    nodes.erase(std::find(nodes.begin(), nodes.end(), id));
    // Re-key the remaining members, which Unindex took out.
    Index(id);
  }
  (void)usable;
}

void FreeIndex::SetFree(int id, int free) {
  Entry& e = entries_[id];
  if (!e.live || e.free == free) return;
  Unindex(id);
  e.free = free;
  Index(id);
}

std::vector<int> FreeIndex::PartitionsOf(
    const std::string& kind, const std::vector<std::string>& providers,
    bool allow_degraded) const {
  std::vector<int> out;
  for (auto it = partition_ids_.lower_bound({kind, "", false});
       it != partition_ids_.end() && std::get<0>(it->first) == kind; ++it) {
    const auto& [k, provider, degraded] = it->first;
    if (degraded && !allow_degraded) continue;
    if (!providers.empty() && std::find(providers.begin(), providers.end(),
                                        provider) == providers.end()) {
      continue;
    }
    out.push_back(it->second);
  }
  return out;
}

int FreeIndex::FindDomain(int p, const std::string& ultraserver) const {
  auto it = domain_ids_.find({p, ultraserver});
  return it == domain_ids_.end() ? -1 : it->second;
}

std::vector<std::string> FreeIndex::Kinds() const {
  std::vector<std::string> kinds;
  for (const auto& [key, p] : partition_ids_) {
    const std::string& kind = std::get<0>(key);
    bool any = false;
    for (int c : partitions_[p].cap_hist) any = any || c > 0;
    if (any && (kinds.empty() || kinds.back() != kind)) kinds.push_back(kind);
  }
  return kinds;
}

long FreeIndex::SlotsNow(int p, int per_replica) const {
  if (per_replica <= 0) return 0;
  const auto& hist = partitions_[p].free_hist;
  long slots = 0;
  for (int f = per_replica; f < static_cast<int>(hist.size()); ++f) {
    slots += static_cast<long>(hist[f]) * (f / per_replica);
  }
  return slots;
}

long FreeIndex::SlotsEver(int p, int per_replica) const {
  if (per_replica <= 0) return 0;
  const auto& hist = partitions_[p].cap_hist;
  long slots = 0;
  for (int c = per_replica; c < static_cast<int>(hist.size()); ++c) {
    slots += static_cast<long>(hist[c]) * (c / per_replica);
  }
  return slots;
}

long FreeIndex::MaxDomainSlotsEver(int p, int per_replica) const {
  if (per_replica <= 0) return 0;
  auto [it, inserted] =
      max_domain_slots_.emplace(std::make_pair(p, per_replica), 0);
  if (!inserted) return it->second;
  long best = 0;
  for (int d : partitions_[p].all_domains) {
    long slots = 0;
    for (int id : domains_[d].nodes) {
      slots += entries_[id].node->accelerator_count / per_replica;
    }
    best = std::max(best, slots);
  }
  it->second = best;
  return best;
}

}  // namespace hetsched::core
