// Indexes of free capacity, so that placement never scans every node.
//
// Nodes are split into partitions by (accelerator kind, provider, degraded):
// every placement filter except capacity is a choice of partitions. Inside a
// partition, nodes with free devices sit in a set ordered for best fit:
// fewest free devices first (whole nodes stay whole), then nodes outside any
// ultraserver, then nodes of the fullest ultraserver (whole domains stay
// free for the gangs that need them), then the fastest (calibrated speed
// factor), then insertion order. A histogram of free counts answers "how
// many replicas of size a fit" in O(max devices per node).
//
// Owned by Cluster, which calls Upsert/SetFree on every change. Not
// thread-safe.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "scheduler/core/types.h"

namespace hetsched::core {

class FreeIndex {
 public:
  // (free, domain_free or -1 outside a domain, -speed in 1/1000, node id)
  using FitKey = std::tuple<int, int, int, int>;

  struct Partition {
    std::string kind;
    std::string provider;
    bool degraded = false;
    std::set<FitKey> by_fit;                  // usable nodes with free > 0
    std::map<std::string_view, int> by_name;  // same nodes, name order
    std::vector<int> free_hist;               // usable nodes by free count
    std::vector<int> cap_hist;                // all nodes by accelerator count
    // Domains of this partition with free > 0: (free, domain id).
    std::set<std::pair<int, int>> domains;
    std::vector<int> all_domains;  // every domain id, free or not
  };
  struct Domain {
    std::string name;
    int partition = -1;
    std::vector<int> nodes;
    int free = 0;  // over usable nodes
  };
  struct Entry {
    const Node* node = nullptr;  // owned by Cluster; stable address
    int partition = -1;
    int domain = -1;
    int free = 0;
    bool usable = false;  // ready and not drained
    bool live = false;    // false once removed
    FitKey key;           // as stored in by_fit while free > 0 and usable
  };

  // Adds or re-describes node `id` (ids are dense, chosen by Cluster).
  void Upsert(int id, const Node* node, int free);
  void Remove(int id);
  void SetFree(int id, int free);

  const Entry& entry(int id) const { return entries_[id]; }
  const Partition& partition(int p) const { return partitions_[p]; }
  const Domain& domain(int d) const { return domains_[d]; }
  int partition_count() const { return static_cast<int>(partitions_.size()); }

  // Partitions of `kind` whose provider is in `providers` (empty = any);
  // degraded ones only when `allow_degraded`. Provider name order.
  std::vector<int> PartitionsOf(const std::string& kind,
                                const std::vector<std::string>& providers,
                                bool allow_degraded) const;
  // The domain named `ultraserver` in partition `p`, or -1.
  int FindDomain(int p, const std::string& ultraserver) const;
  // Kinds present, in name order.
  std::vector<std::string> Kinds() const;

  // Replicas of `per_replica` devices that fit now in partition `p`.
  long SlotsNow(int p, int per_replica) const;
  // Replicas that would fit if the partition were empty.
  long SlotsEver(int p, int per_replica) const;
  // Replicas that the largest domain of `p` could hold when empty. Cached
  // until nodes change: required-topology checks would otherwise walk
  // every domain.
  long MaxDomainSlotsEver(int p, int per_replica) const;

 private:
  int PartitionFor(const Node& node);
  int DomainFor(int partition, const std::string& name);
  void Unindex(int id);
  void Index(int id);
  FitKey KeyOf(int id) const;

  std::vector<Entry> entries_;
  std::vector<Partition> partitions_;
  std::vector<Domain> domains_;
  std::map<std::tuple<std::string, std::string, bool>, int> partition_ids_;
  std::map<std::pair<int, std::string>, int> domain_ids_;
  mutable std::map<std::pair<int, int>, long> max_domain_slots_;
};

}  // namespace hetsched::core
