// GPU-to-GPU cudaMemcpyPeer bandwidth.
#include "cuda_kernels/peer_bench.h"

#include <cuda_runtime_api.h>

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

// Enables access from `src` to `dst` memory for this scope if it was not
// enabled already, and disables it again on exit.
class ScopedPeerAccess {
 public:
  ScopedPeerAccess(const ScopedPeerAccess&) = delete;
  ScopedPeerAccess& operator=(const ScopedPeerAccess&) = delete;
  ScopedPeerAccess(int src, int dst) : src_(src), dst_(dst) {}
  ~ScopedPeerAccess() {
    if (enabled_here_ && cudaSetDevice(src_) == cudaSuccess) {
      cudaDeviceDisablePeerAccess(dst_);
    }
  }

  Status Enable() {
    HETSCHED_CUDA_RETURN_IF_ERROR(cudaSetDevice(src_));
    const cudaError_t error = cudaDeviceEnablePeerAccess(dst_, 0);
    if (error == cudaErrorPeerAccessAlreadyEnabled) {
      cudaGetLastError();  // clear it: not a failure
      return OkStatus();
    }
    HETSCHED_CUDA_RETURN_IF_ERROR(error);
    enabled_here_ = true;
    return OkStatus();
  }

 private:
  int src_;
  int dst_;
  bool enabled_here_ = false;
};

}  // namespace

Status RunPeerBenchmark(int src_device, int dst_device,
                        const TransferParams& params, PeerResult* result) {
  const size_t bytes = static_cast<size_t>(params.bytes) / 4 * 4;
  const int64_t words = static_cast<int64_t>(bytes / 4);
  int can_access = 0;
  HETSCHED_CUDA_RETURN_IF_ERROR(
      cudaDeviceCanAccessPeer(&can_access, src_device, dst_device));
  ScopedPeerAccess access(src_device, dst_device);
  if (can_access != 0) HETSCHED_CAL_RETURN_IF_ERROR(access.Enable());

  internal::DeviceBuffer dst;
  HETSCHED_CUDA_RETURN_IF_ERROR(cudaSetDevice(dst_device));
  HETSCHED_CAL_RETURN_IF_ERROR(dst.Allocate(bytes));
  HETSCHED_CUDA_RETURN_IF_ERROR(cudaSetDevice(src_device));
  internal::DeviceBuffer src;
  HETSCHED_CAL_RETURN_IF_ERROR(src.Allocate(bytes));
  internal::Stream stream;
  HETSCHED_CAL_RETURN_IF_ERROR(stream.Create());
  HETSCHED_CAL_RETURN_IF_ERROR(
      internal::FillCraftedWords(src.as<uint32_t>(), words, stream.get()));

  std::vector<double> ms;
  HETSCHED_CAL_RETURN_IF_ERROR(internal::TimeOnStream(
      stream.get(), params.warmup_iterations, params.iterations,
      [&]() -> Status {
        HETSCHED_CUDA_RETURN_IF_ERROR(cudaMemcpyPeerAsync(
            dst.get(), dst_device, src.get(), src_device, bytes, stream.get()));
        return OkStatus();
      },
      &ms));
  result->src_device = src_device;
  result->dst_device = dst_device;
  result->peer_access = can_access != 0;
  result->bytes = static_cast<int64_t>(bytes);
  result->gbps =
      GigabytesPerSecond(static_cast<double>(bytes), Median(ms) / 1e3);
  return internal::SampleDeviceWords(
      dst.get(), words,
      [](int64_t i) { return CraftedWord(static_cast<uint64_t>(i)); },
      &result->verified);
}

}  // namespace hetsched::calibrate
