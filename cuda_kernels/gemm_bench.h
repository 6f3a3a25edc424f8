// GEMM throughput through cuBLASLt: D = op(A) * B, m = n = k, in the "TN"
// layout fp8 requires (used for every dtype), with a 64 MiB workspace; the
// fastest of cuBLASLt's top heuristic candidates is kept. Inputs are crafted
// small integers and sampled outputs are compared with a CPU reference.
// Plain C++ interface (no CUDA types). Not thread-safe per device.
#pragma once

#include "calibration/calibration_report.h"
#include "calibration/status.h"
#include "cuda_kernels/calibration_backend.h"
#include "cuda_kernels/gemm_dtype.h"

namespace hetsched::calibrate {

// Measures one dtype on `device`. A verification mismatch is a result
// (result->verified = false), not an error.
Status RunGemmBenchmark(int device, GemmDtype dtype, const GemmParams& params,
                        GemmResult* result);

}  // namespace hetsched::calibrate
