// Reads sampled words of a device buffer back to the host and compares them
// with an expected pattern: how the copy benchmarks check their results.
// Exposes no CUDA types; the implementation uses the CUDA runtime.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>

#include "calibration/status.h"

namespace hetsched::calibrate::internal {

// Compares 64 words of `device_words` (a device pointer to `count` 32-bit
// words; the first and last, the rest spread by a hash) with expected(i).
// Sets *matches; errors only when a copy fails.
Status SampleDeviceWords(const void* device_words, int64_t count,
                         const std::function<uint32_t(int64_t)>& expected,
                         bool* matches);

// The sample indices SampleDeviceWords checks, for host-side buffers too.
int64_t SampleIndex(int sample, int64_t count);
inline constexpr int kWordSamples = 64;

}  // namespace hetsched::calibrate::internal
