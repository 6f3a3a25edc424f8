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
//              (the default)
//   cost       as hetero, with the cost objective for placement
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
};

absl::StatusOr<PolicyConfig> ParsePolicy(std::string_view name);

}  // namespace hetsched::core
