// Plain value types of the scheduling core: what a node offers, what a job
// asks for, and where its replicas go. No protobuf here: the server converts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/labels.h"

namespace hetsched::core {

struct Topology {
  std::string provider;
  std::string region;
  std::string zone;
  std::string ultraserver;  // NVLink / NeuronLink domain
  std::string rack;
  std::string network_block;
};

// One host as the core sees it. A node carries one accelerator kind.
struct Node {
  std::string name;
  std::string accelerator_kind;
  int accelerator_count = 0;
  Topology topology;
  bool drained = false;
  bool ready = true;          // agent connected and heartbeating
  bool degraded = false;      // calibration below threshold
  double speed_factor = 1.0;  // measured / catalogue; 1 when unmeasured
  double price_per_accel_hour = 0;
  // CPU cores; CPU-only replicas take kCpusPerCpuReplica each (0: unknown,
  // so the node takes none).
  int cpu_count = 0;
  // Host memory. Replicas that ask for memory take theirs from it; 0:
  // unknown, so the node does not count memory at all.
  uint64_t memory_bytes = 0;
  // What node selectors match: the agent's labels and the well-known
  // hetsched.io/ ones the control plane adds.
  Labels labels;
};

// Cores one replica of a CPU-only task group (no accelerators) takes, as
// Slurm's default of one CPU per task. Replicas with accelerators take none:
// their host's cores come with its devices.
inline constexpr int kCpusPerCpuReplica = 1;

enum class TopologyRequirement { kNone, kPreferred, kRequired };
enum class JobKind { kTraining, kInference };

struct TaskGroupRequest {
  std::string name;
  int replicas = 1;
  int accelerators_per_replica = 1;
  std::vector<std::string> kinds;  // acceptable kinds; empty = any
  // Inference services: when > 0, the group may start with as few as
  // min_replicas (up to `replicas`); 0 means a strict gang of `replicas`.
  int min_replicas = 0;
  // Only nodes carrying each label with its value; empty = any node.
  Labels node_selector;
  // Host memory each replica takes on its node; 0 = none asked.
  uint64_t memory_bytes_per_replica = 0;
};

struct JobRequest {
  std::string id;
  std::string queue = "default";
  int priority = 0;
  JobKind kind = JobKind::kTraining;
  absl::Time submit_time = absl::UnixEpoch();
  bool preemptible = false;
  bool allow_degraded = false;
  TopologyRequirement same_ultraserver = TopologyRequirement::kNone;
  std::vector<std::string> providers;  // empty = any
  std::string job_class;
  absl::Duration max_runtime = absl::ZeroDuration();  // zero = unlimited
  // Work to do, in steps of the whole job; 0 = unknown. With a throughput
  // estimate it gives the expected run time (cost objective, deadlines).
  double total_steps = 0;
  // The cost objective picks the cheapest kind that still finishes by then.
  absl::Time deadline = absl::InfiniteFuture();
  std::vector<TaskGroupRequest> groups;

  int TotalReplicas() const;
  int TotalAccelerators() const;
};

struct ReplicaPlacement {
  int group_index = 0;
  int replica_index = 0;
  std::string node;
  std::vector<int> devices;   // accelerator indices on that node
  int cpus = 0;               // cores taken (CPU-only replicas)
  uint64_t memory_bytes = 0;  // host memory taken (the group's ask)
};

// Where every replica of a job goes; all of them or none.
struct Placement {
  std::vector<ReplicaPlacement> replicas;
};

struct PlacementOutcome {
  enum class Kind { kPlaced, kWait, kInfeasible };
  Kind kind = Kind::kWait;
  Placement placement;  // set when kPlaced
  std::string reason;   // why not, for kWait and kInfeasible
};

}  // namespace hetsched::core
