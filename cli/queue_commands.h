// The queue command: `hetsched queues`, each queue's weight, cohort,
// quota per kind, what it holds and borrows, and what waits in it.
#pragma once

#include "absl/status/status.h"
#include "cli/client.h"

namespace hetsched::cli {

absl::Status ListQueues(const CommandContext& ctx);

}  // namespace hetsched::cli
