// The cluster model: nodes, and which accelerator of which node each job
// holds. The single source of truth for "is this device free".
// Not thread-safe: the owner serialises access.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "scheduler/core/free_index.h"
#include "scheduler/core/types.h"

namespace hetsched::core {

// Whether Allocate holds a placement to the cores and memory its nodes
// have free. kTrustHeld is for a placement that already held them (restored
// after a restart, given back after a trial release): it takes them even
// past what a node now reports, since what runs there runs. Devices are
// checked either way.
enum class CapacityCheck { kEnforce, kTrustHeld };

class Cluster {
 public:
  // Adds a node or updates its description. Allocations survive an update;
  // shrinking below what is allocated is FAILED_PRECONDITION.
  absl::Status UpsertNode(const Node& node);
  // Removes a node that holds no allocation (devices or cores).
  absl::Status RemoveNode(std::string_view name);

  const Node* FindNode(std::string_view name) const;
  // Nodes in name order, so every pass sees the same order.
  const std::map<std::string, Node, std::less<>>& nodes() const {
    return nodes_;
  }

  int FreeAccelerators(std::string_view node) const;
  // Cores of `node` no CPU-only replica holds (0 for an unknown node).
  int FreeCpus(std::string_view node) const;
  // Host memory of `node` no replica holds; UINT64_MAX when the node's
  // memory is unknown (it does not count memory), 0 for an unknown node.
  uint64_t FreeMemory(std::string_view node) const;
  // Free device indices of `node`, ascending.
  std::vector<int> FreeDevices(std::string_view node) const;
  // The job holding device `device` of `node`, or empty.
  std::string_view HolderOf(std::string_view node, int device) const;

  // Takes every device, core and byte of memory of `placement` for
  // `job_id`, or nothing: FAILED_PRECONDITION when any device is taken or
  // out of range, or a node has too few free cores or too little memory.
  absl::Status Allocate(std::string_view job_id, const Placement& placement,
                        CapacityCheck check = CapacityCheck::kEnforce);
  // Frees everything `job_id` holds; no-op when it holds nothing.
  void Release(std::string_view job_id);
  bool Holds(std::string_view job_id) const;
  // Node names the job has devices on.
  std::vector<std::string> NodesOf(std::string_view job_id) const;

  // The placement of `job_id`, or nullptr.
  const Placement* PlacementOf(std::string_view job_id) const;

  int TotalAccelerators() const { return total_; }
  int AllocatedAccelerators() const { return allocated_; }

  // Free-capacity indexes for placement (see free_index.h), and the dense
  // node id the index uses (-1 when unknown).
  const FreeIndex& free_index() const { return index_; }
  int NodeId(std::string_view name) const;
  // Free device indices of node `id`, ascending.
  std::vector<int> FreeDevicesOf(int id) const;

 private:
  struct NodeState {
    int id = -1;
    int free = 0;
    std::vector<std::string> holder;  // per device; empty = free
    int cpus_used = 0;                // by CPU-only replicas
    uint64_t memory_used = 0;         // by replicas that asked for memory
  };
  std::map<std::string, Node, std::less<>> nodes_;
  std::map<std::string, NodeState, std::less<>> state_;
  std::vector<NodeState*> by_id_;  // into state_; null once removed
  std::map<std::string, Placement, std::less<>> allocations_;
  FreeIndex index_;
  int total_ = 0;
  int allocated_ = 0;
};

// True when `node` can take new work at all (ready, not drained, and not
// degraded unless the job allows it).
bool IsSchedulable(const Node& node, bool allow_degraded);

}  // namespace hetsched::core
