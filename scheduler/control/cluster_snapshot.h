// A consistent, read-only picture of the control plane taken under its lock
// in one go: what the metrics layer and `hetsched top` need, without job
// specs, commands or events. Built by ControlPlane::Snapshot() (implemented
// in cluster_snapshot.cc). A snapshot is a plain value: copy it, read it
// from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "hetsched/v1/job.pb.h"
#include "hetsched/v1/node.pb.h"
#include "scheduler/control/control_plane.h"
#include "scheduler/core/queue_book.h"

namespace hetsched::control {

// One job, reduced to what aggregate figures need.
struct JobBrief {
  std::string id;
  std::string queue;  // "default" when the spec leaves it empty
  v1::JobState state = v1::JOB_STATE_UNSPECIFIED;
  int64_t submit_time_ms = 0;
  int64_t start_time_ms = 0;  // first replica RUNNING; 0 before
  int64_t end_time_ms = 0;
  uint32_t attempt = 0;
  // PENDING but held back until its dependencies succeed (depends_on).
  bool waiting_for_dependencies = false;
  // Accelerators held by replicas of the current attempt with a process
  // (PLACED, STARTING, RUNNING), by accelerator kind.
  std::map<std::string, int> allocated_by_kind;
};

struct ClusterSnapshot {
  absl::Time taken_at;
  // Jobs not yet ended (the control plane's snapshot holds no others).
  std::vector<JobBrief> jobs;
  // Jobs that ended, by queue and final state.
  std::map<std::pair<std::string, v1::JobState>, int64_t> ended_jobs;
  // As ListNodes returns them: state, allocation and degraded filled in.
  std::vector<v1::Node> nodes;
  ControlPlaneCounters counters;
  // The queues of --queues (the daemon does not change them while it runs).
  std::vector<core::QueueConfig> queue_configs;
};

// The accelerator kind of a node (a node carries one kind); empty when it
// has no accelerators.
std::string NodeKind(const v1::Node& node);

}  // namespace hetsched::control
