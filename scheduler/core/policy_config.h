// Scheduling policy names and what they switch on. A name is a preset,
// optionally followed by "+modifier"s:
//
//   first-fit  priority order, first-fit placement, a job that does not fit
//              is skipped (the original core; kept as an alias)
//   fifo       submit order, first-fit placement, strict: the first job
//              that does not fit blocks all after it (the baseline)
//   priority   priority order, pack placement, preemption, backfill
//   fair       DRF between queues (priority order inside), pack, backfill
//   hetero     fair + priority + preemption + backfill, hetero placement
//              (SchedulerOptions' default; the daemon's is max-min)
//   cost       as hetero, with the cost objective for placement
//   max-min, min-jct, min-makespan, min-cost
//              the allocation optimizer (allocation_optimizer.h): each
//              round an LP gives every training job its share of time on
//              each kind; jobs are placed in order of how far they are
//              behind that share (Gavel's priority), on the kinds of their
//              allocation, with preemption and rounds; no DRF, no
//              reservations (scheduler_optimize.cc)
//
// Modifiers: fair, nofair, preempt, nopreempt, backfill (reservation for
// blocked jobs and the Slurm rule instead of strict or greedy), nobackfill
// (greedy: skip what does not fit), las (time-sharing rounds, least
// attained service first; needs preemption), first-fit, pack, hetero, cost
// (the placement). Example: "hetero+las", "fifo+backfill", "fair+hetero".
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace hetsched::core {

struct PolicyConfig {
  enum class Order { kSubmit, kPriority };
  Order order = Order::kPriority;
  bool fair = false;      // DRF between queues
  bool preempt = false;   // priority preemption and quota reclaim
  bool backfill = false;  // reservations + backfill rule
  bool strict = false;    // head-of-line blocking (fifo)
  bool las = false;       // rotation rounds, least attained service first
  std::string placement = "first-fit";
  // Allocation optimizer objective ("max-min", ...); empty = none.
  std::string objective;
};

absl::StatusOr<PolicyConfig> ParsePolicy(std::string_view name);

}  // namespace hetsched::core
