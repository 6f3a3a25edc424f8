// Host-side references for the crafted benchmark inputs.
#include "cuda_kernels/crafted_values.h"

namespace hetsched::calibrate {

int64_t CraftedGemmReference(int64_t row, int64_t col, int64_t k,
                             uint64_t seed_a, uint64_t seed_b) {
  int64_t sum = 0;
  const uint64_t a_base = static_cast<uint64_t>(row) * static_cast<uint64_t>(k);
  const uint64_t b_base = static_cast<uint64_t>(col) * static_cast<uint64_t>(k);
  for (int64_t p = 0; p < k; ++p) {
    const uint64_t offset = static_cast<uint64_t>(p);
    sum += static_cast<int64_t>(CraftedValue(a_base + offset, seed_a)) *
           CraftedValue(b_base + offset, seed_b);
  }
  return sum;
}

}  // namespace hetsched::calibrate
