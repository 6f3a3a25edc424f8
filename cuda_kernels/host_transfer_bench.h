// Host <-> device bandwidth over pinned (page-locked) host memory, each
// direction timed separately with CUDA events; the data is checked after
// the round trip. Plain C++ interface (no CUDA types). Not thread-safe per
// device.
#pragma once

#include "calibration/calibration_report.h"
#include "calibration/status.h"
#include "cuda_kernels/calibration_backend.h"

namespace hetsched::calibrate {

Status RunHostTransferBenchmark(int device, const TransferParams& params,
                                HostTransferResult* result);

}  // namespace hetsched::calibrate
