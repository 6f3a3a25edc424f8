// The message sizes of a collective sweep.
#include "cuda_kernels/size_sweep.h"

namespace hetsched::calibrate {

std::vector<int64_t> SizeSweep(int64_t min_bytes, int64_t max_bytes,
                               int64_t factor) {
  std::vector<int64_t> sizes;
  if (min_bytes < 1 || factor < 2 || min_bytes > max_bytes) return sizes;
  int64_t size = min_bytes;
  while (true) {
    sizes.push_back(size);
    if (size > max_bytes / factor) break;  // next step would pass max_bytes
    size *= factor;
  }
  return sizes;
}

}  // namespace hetsched::calibrate
