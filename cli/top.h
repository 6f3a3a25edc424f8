// `hetsched top`: a live view of the fleet for operators: allocation per
// accelerator kind and per queue, pending jobs, degraded and lost nodes.
// Redraws every --interval-s seconds; --once prints one frame (scripts,
// tests). Every line fits in 80 columns. RenderTop is pure; RunTop does
// the RPCs and the redrawing. Not thread-safe; one per command.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "cli/client.h"
#include "hetsched/v1/scheduler.pb.h"

namespace hetsched::cli {

struct TopOptions {
  double interval_s = 2;
  bool once = false;
  int max_pending_rows = 10;  // oldest first; the rest are counted
};

// One frame, at `now_ms`, for `title` (the scheduler address): the fleet
// from `nodes`, the queue table from `queues` (held / quota per kind), and
// the pending jobs of `jobs` (others are ignored).
std::string RenderTop(const v1::ListNodesResponse& nodes,
                      const v1::ListQueuesResponse& queues,
                      const v1::ListJobsResponse& jobs, int64_t now_ms,
                      const std::string& title, const TopOptions& options);

// Fetches nodes, queues and pending jobs and prints frames until
// interrupted (or once).
absl::Status RunTop(const CommandContext& ctx, const TopOptions& options);

}  // namespace hetsched::cli
