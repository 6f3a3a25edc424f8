// Device memory bandwidth: D2D copy and triad.
#include "cuda_kernels/memory_bench.h"

#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "calibration/bus_bandwidth.h"
#include "cuda_kernels/crafted_values.h"
#include "cuda_kernels/cuda_check.h"
#include "cuda_kernels/cuda_resources.h"
#include "cuda_kernels/event_timer.h"
#include "cuda_kernels/fill_kernels.h"
#include "cuda_kernels/statistics.h"
#include "cuda_kernels/verify_sample.h"

namespace hetsched::calibrate {
namespace {

using internal::DeviceBuffer;
using internal::Stream;

constexpr int kTriadThreads = 256;
constexpr int kTriadBlocksPerSm = 8;  // 2048 threads per SM: full occupancy
constexpr size_t kHeadroomBytes = size_t{512} << 20;
constexpr size_t kGranule = size_t{1} << 20;

// a = b + s * c over float4s; n4 = number of float4s.
__global__ void TriadKernel(float4* __restrict__ a,
                            const float4* __restrict__ b,
                            const float4* __restrict__ c, float s, int64_t n4) {
  const int64_t stride = static_cast<int64_t>(blockDim.x) * gridDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
       i < n4; i += stride) {
    const float4 bv = b[i];
    const float4 cv = c[i];
    a[i] = make_float4(bv.x + s * cv.x, bv.y + s * cv.y, bv.z + s * cv.z,
                       bv.w + s * cv.w);
  }
}

uint32_t FloatBits(float f) {
  uint32_t bits;
  static_assert(sizeof(bits) == sizeof(f), "float is 32 bits");
  std::memcpy(&bits, &f, sizeof(bits));
  return bits;
}

}  // namespace

Status RunMemoryBenchmark(int device, const TransferParams& params,
                          MemoryResult* result) {
  HETSCHED_CUDA_RETURN_IF_ERROR(cudaSetDevice(device));
  size_t free_bytes = 0;
  size_t total_bytes = 0;
  HETSCHED_CUDA_RETURN_IF_ERROR(cudaMemGetInfo(&free_bytes, &total_bytes));
  size_t bytes = static_cast<size_t>(params.bytes);
  if (free_bytes > kHeadroomBytes) {
    bytes = std::min(bytes, (free_bytes - kHeadroomBytes) / 3);
  }
  bytes = bytes / kGranule * kGranule;  // whole float4s, aligned
  if (bytes == 0) {
    return Status(StatusCode::kResourceExhausted,
                  "memory benchmark: less than 3 MiB of device memory free");
  }
  int sm_count = 0;
  HETSCHED_CUDA_RETURN_IF_ERROR(cudaDeviceGetAttribute(
      &sm_count, cudaDevAttrMultiProcessorCount, device));

  Stream stream;
  HETSCHED_CAL_RETURN_IF_ERROR(stream.Create());
  DeviceBuffer a, b, c;
  HETSCHED_CAL_RETURN_IF_ERROR(a.Allocate(bytes));
  HETSCHED_CAL_RETURN_IF_ERROR(b.Allocate(bytes));
  HETSCHED_CAL_RETURN_IF_ERROR(c.Allocate(bytes));
  const int64_t words = static_cast<int64_t>(bytes / sizeof(uint32_t));
  result->bytes = static_cast<int64_t>(bytes);

  // Copy b -> a.
  HETSCHED_CAL_RETURN_IF_ERROR(
      internal::FillCraftedWords(b.as<uint32_t>(), words, stream.get()));
  std::vector<double> ms;
  HETSCHED_CAL_RETURN_IF_ERROR(internal::TimeOnStream(
      stream.get(), params.warmup_iterations, params.iterations,
      [&]() -> Status {
        HETSCHED_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(
            a.get(), b.get(), bytes, cudaMemcpyDeviceToDevice, stream.get()));
        return OkStatus();
      },
      &ms));
  result->copy_gbps =
      GigabytesPerSecond(2.0 * static_cast<double>(bytes), Median(ms) / 1e3);
  bool copy_ok = false;
  HETSCHED_CAL_RETURN_IF_ERROR(internal::SampleDeviceWords(
      a.get(), words,
      [](int64_t i) { return CraftedWord(static_cast<uint64_t>(i)); },
      &copy_ok));

  // Triad a = b + s*c.
  HETSCHED_CAL_RETURN_IF_ERROR(internal::FillTriadInputs(
      b.as<float>(), c.as<float>(), words, stream.get()));
  const int64_t n4 = words / 4;
  const unsigned blocks = static_cast<unsigned>(std::max<int64_t>(
      1, std::min<int64_t>(static_cast<int64_t>(sm_count) * kTriadBlocksPerSm,
                           (n4 + kTriadThreads - 1) / kTriadThreads)));
  HETSCHED_CAL_RETURN_IF_ERROR(internal::TimeOnStream(
      stream.get(), params.warmup_iterations, params.iterations,
      [&]() -> Status {
        TriadKernel<<<blocks, kTriadThreads, 0, stream.get()>>>(
            a.as<float4>(), b.as<float4>(), c.as<float4>(), kTriadScalar, n4);
        HETSCHED_CUDA_RETURN_IF_LAUNCH_FAILED();
        return OkStatus();
      },
      &ms));
  result->triad_gbps =
      GigabytesPerSecond(3.0 * static_cast<double>(bytes), Median(ms) / 1e3);
  bool triad_ok = false;
  HETSCHED_CAL_RETURN_IF_ERROR(internal::SampleDeviceWords(
      a.get(), words,
      [](int64_t i) {
        const uint64_t u = static_cast<uint64_t>(i);
        return FloatBits(TriadB(u) + kTriadScalar * TriadC(u));
      },
      &triad_ok));
  result->verified = copy_ok && triad_ok;
  return OkStatus();
}

}  // namespace hetsched::calibrate
