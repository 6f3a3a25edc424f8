// The message sizes of a collective sweep, as nccl-tests' -b/-e/-f produce
// them. Pure function; thread-safe.
#pragma once

#include <cstdint>
#include <vector>

namespace hetsched::calibrate {

// min_bytes, min_bytes*factor, min_bytes*factor^2, ... up to and including
// max_bytes. Empty when min_bytes < 1, factor < 2 or min_bytes > max_bytes.
// Never overflows: the sweep stops before a step would exceed INT64_MAX.
std::vector<int64_t> SizeSweep(int64_t min_bytes, int64_t max_bytes,
                               int64_t factor);

}  // namespace hetsched::calibrate
