// Sampled read-back checks of device buffers.
#include "cuda_kernels/verify_sample.h"

#include <cuda_runtime_api.h>

#include "cuda_kernels/cuda_check.h"

namespace hetsched::calibrate::internal {

int64_t SampleIndex(int sample, int64_t count) {
  if (count <= 0) return 0;
  if (sample == 0) return 0;
  if (sample == 1) return count - 1;
  const uint64_t h = static_cast<uint64_t>(sample) * 0x9E3779B97F4A7C15ull;
  return static_cast<int64_t>((h >> 11) % static_cast<uint64_t>(count));
}

Status SampleDeviceWords(const void* device_words, int64_t count,
                         const std::function<uint32_t(int64_t)>& expected,
                         bool* matches) {
  bool ok = count > 0;
  for (int s = 0; s < kWordSamples && count > 0; ++s) {
    const int64_t i = SampleIndex(s, count);
    uint32_t word = 0;
    HETSCHED_CUDA_RETURN_IF_ERROR(
        cudaMemcpy(&word, static_cast<const uint32_t*>(device_words) + i,
                   sizeof(word), cudaMemcpyDeviceToHost));
    if (word != expected(i)) ok = false;
  }
  *matches = ok;
  return OkStatus();
}

}  // namespace hetsched::calibrate::internal
