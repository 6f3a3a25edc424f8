// Device memory bandwidth: a device-to-device cudaMemcpy and a triad kernel
// a[i] = b[i] + s * c[i], counting bytes read plus written (copy 2x the
// buffer, triad 3x). Both outputs are checked on a sample. Plain C++
// interface (no CUDA types). Not thread-safe per device.
#pragma once

#include "calibration/calibration_report.h"
#include "calibration/status.h"
#include "cuda_kernels/calibration_backend.h"

namespace hetsched::calibrate {

// Buffers of params.bytes each (fewer if three would not fit in free
// memory; result->bytes says what was used).
Status RunMemoryBenchmark(int device, const TransferParams& params,
                          MemoryResult* result);

}  // namespace hetsched::calibrate
