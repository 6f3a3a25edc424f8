// How long a failed job waits before its next attempt is queued.
#pragma once

#include <cstdint>

#include "absl/time/time.h"

namespace hetsched::control {

// `attempt` is the attempt about to be queued (1: the first retry):
// base, 2x base, 4x base, ... never above `cap`; zero when base is zero.
absl::Duration RetryBackoff(absl::Duration base, absl::Duration cap,
                            uint32_t attempt);

}  // namespace hetsched::control
