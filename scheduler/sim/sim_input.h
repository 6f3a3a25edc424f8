// The simulator's input files, read and checked: CLUSTER.yaml (node
// groups) and TRACE.csv (one job a line); TP.json is read by
// core::ParseThroughputs (scheduler/core/throughput_table_json.h). Errors are
// INVALID_ARGUMENT with a message
// "<file>:<line>:<column>: reason" (line and column 1-based), or NOT_FOUND
// when a file cannot be read. Thread-compatible.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "scheduler/core/throughput_model.h"
#include "scheduler/core/types.h"

namespace hetsched::sim {

struct SimCluster {
  std::vector<core::Node> nodes;
  bool has_prices = false;
};

struct TraceJob {
  std::string id;
  double submit_s = 0;
  int replicas = 1;
  int accel_per_replica = 1;
  std::string job_class;
  double total_steps = 0;
  std::string queue = "default";
  int priority = 0;
  std::vector<std::string> kinds;  // empty = any
  bool preemptible = false;
  double max_runtime_s = 0;          // 0 = unlimited
  std::optional<double> duration_s;  // run time on any kind
};

absl::StatusOr<std::string> ReadFile(const std::string& path);

// `node_groups:` of {name, count, accelerator: {kind, count},
// ultraserver_size, provider, price_per_accel_hour}.
absl::StatusOr<SimCluster> ParseCluster(const std::string& text,
                                        const std::string& name);
// Checks kinds against the cluster and the built-in catalogue, and that a
// job whose class the table does not cover has duration_s.
absl::StatusOr<std::vector<TraceJob>> ParseTrace(
    const std::string& text, const std::string& name, const SimCluster& cluster,
    const core::ThroughputTable& throughputs);

}  // namespace hetsched::sim
