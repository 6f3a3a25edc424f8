// A job array's index set in Slurm's --array syntax: "0-99", "1,3,5-9",
// "0-15:4" (every fourth index from 0 to 15), each optionally with "%N":
// at most N elements queued or running at once. Pure and thread-safe.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace hetsched::spec {

// Every element is a job with its own tasks, events and rows.
inline constexpr uint32_t kMaxArrayElements = 10000;
inline constexpr uint32_t kMaxArrayIndex = 999999;

struct JobArray {
  std::vector<uint32_t> indices;  // ascending, each once
  uint32_t max_running = 0;       // the "%N"; 0 = no limit
};

// INVALID_ARGUMENT saying what is wrong, without a field name.
absl::StatusOr<JobArray> ParseJobArray(std::string_view text);

// The "%N" of a valid array spec, 0 when there is none; cheap.
uint32_t ArrayMaxRunning(std::string_view text);

}  // namespace hetsched::spec
