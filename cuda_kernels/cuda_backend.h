// The real CalibrationBackend: CUDA runtime, cuBLASLt and NCCL, forwarding
// to the benchmark functions of this directory. Plain C++ interface.
#pragma once

#include <memory>

#include "cuda_kernels/calibration_backend.h"

namespace hetsched::calibrate {

std::unique_ptr<CalibrationBackend> CreateCudaCalibrationBackend();

}  // namespace hetsched::calibrate
