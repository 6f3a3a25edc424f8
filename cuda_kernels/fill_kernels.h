// Host functions that launch the fill kernels producing the crafted inputs
// of crafted_values.h on the device. Each launches on `stream` and returns
// the launch status; completion is the caller's to wait for. Exposes CUDA
// types: included only by this directory's CUDA-side sources.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "calibration/status.h"
#include "cuda_kernels/gemm_dtype.h"

namespace hetsched::calibrate::internal {

// data[i] = CraftedValue(i, seed) as the GEMM input type of `dtype`
// (bf16, fp16, float for tf32, e4m3 for fp8).
Status FillCraftedMatrix(GemmDtype dtype, void* data, int64_t count,
                         uint64_t seed, cudaStream_t stream);

// data[i] = CraftedWord(i).
Status FillCraftedWords(uint32_t* data, int64_t count, cudaStream_t stream);

// b[i] = TriadB(i), c[i] = TriadC(i).
Status FillTriadInputs(float* b, float* c, int64_t count, cudaStream_t stream);

// data[i] = value.
Status FillConstant(float* data, int64_t count, float value,
                    cudaStream_t stream);

}  // namespace hetsched::calibrate::internal
