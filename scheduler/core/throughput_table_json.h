// The throughput table's file format, shared by the scheduler's
// --throughputs and the simulator: {"classes": {CLASS: {KIND: {"N":
// steps_per_second}}}}. Pure; thread-safe.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "scheduler/core/throughput_model.h"

namespace hetsched::core {

// INVALID_ARGUMENT "<name>:<line>:<column>: <path>: reason" for malformed
// JSON, a wrong shape, or a size or rate that is not positive.
absl::StatusOr<ThroughputTable> ParseThroughputs(const std::string& text,
                                                 const std::string& name);

}  // namespace hetsched::core
