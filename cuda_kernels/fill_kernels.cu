// Fill kernels for the crafted benchmark inputs.
#include "cuda_kernels/fill_kernels.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>

#include "cuda_kernels/crafted_values.h"
#include "cuda_kernels/cuda_check.h"

namespace hetsched::calibrate::internal {
namespace {

constexpr int kThreads = 256;

// Enough blocks to fill any current GPU; the kernels loop over the rest.
unsigned BlocksFor(int64_t count) {
  const int64_t needed = (count + kThreads - 1) / kThreads;
  return static_cast<unsigned>(needed < 65536 ? (needed > 0 ? needed : 1)
                                              : 65536);
}

template <typename T>
__global__ void FillCraftedKernel(T* data, int64_t count, uint64_t seed) {
  const int64_t stride = static_cast<int64_t>(blockDim.x) * gridDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
       i < count; i += stride) {
    data[i] =
        T(static_cast<float>(CraftedValue(static_cast<uint64_t>(i), seed)));
  }
}

__global__ void FillWordsKernel(uint32_t* data, int64_t count) {
  const int64_t stride = static_cast<int64_t>(blockDim.x) * gridDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
       i < count; i += stride) {
    data[i] = CraftedWord(static_cast<uint64_t>(i));
  }
}

__global__ void FillTriadKernel(float* b, float* c, int64_t count) {
  const int64_t stride = static_cast<int64_t>(blockDim.x) * gridDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
       i < count; i += stride) {
    b[i] = TriadB(static_cast<uint64_t>(i));
    c[i] = TriadC(static_cast<uint64_t>(i));
  }
}

__global__ void FillConstantKernel(float* data, int64_t count, float value) {
  const int64_t stride = static_cast<int64_t>(blockDim.x) * gridDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
       i < count; i += stride) {
    data[i] = value;
  }
}

template <typename T>
Status LaunchFillCrafted(void* data, int64_t count, uint64_t seed,
                         cudaStream_t stream) {
  FillCraftedKernel<T><<<BlocksFor(count), kThreads, 0, stream>>>(
      static_cast<T*>(data), count, seed);
  HETSCHED_CUDA_RETURN_IF_LAUNCH_FAILED();
  return OkStatus();
}

}  // namespace

Status FillCraftedMatrix(GemmDtype dtype, void* data, int64_t count,
                         uint64_t seed, cudaStream_t stream) {
  switch (dtype) {
    case GemmDtype::kBf16:
      return LaunchFillCrafted<__nv_bfloat16>(data, count, seed, stream);
    case GemmDtype::kFp16:
      return LaunchFillCrafted<__half>(data, count, seed, stream);
    case GemmDtype::kTf32:
      return LaunchFillCrafted<float>(data, count, seed, stream);
    case GemmDtype::kFp8E4m3:
      return LaunchFillCrafted<__nv_fp8_e4m3>(data, count, seed, stream);
  }
  return InternalError("FillCraftedMatrix: unknown dtype");
}

Status FillCraftedWords(uint32_t* data, int64_t count, cudaStream_t stream) {
  FillWordsKernel<<<BlocksFor(count), kThreads, 0, stream>>>(data, count);
  HETSCHED_CUDA_RETURN_IF_LAUNCH_FAILED();
  return OkStatus();
}

Status FillTriadInputs(float* b, float* c, int64_t count, cudaStream_t stream) {
  FillTriadKernel<<<BlocksFor(count), kThreads, 0, stream>>>(b, c, count);
  HETSCHED_CUDA_RETURN_IF_LAUNCH_FAILED();
  return OkStatus();
}

Status FillConstant(float* data, int64_t count, float value,
                    cudaStream_t stream) {
  FillConstantKernel<<<BlocksFor(count), kThreads, 0, stream>>>(data, count,
                                                                value);
  HETSCHED_CUDA_RETURN_IF_LAUNCH_FAILED();
  return OkStatus();
}

}  // namespace hetsched::calibrate::internal
