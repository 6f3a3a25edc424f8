// Pinned host <-> device bandwidth.
#include "cuda_kernels/host_transfer_bench.h"

#include <cuda_runtime_api.h>

#include <cstring>
#include <vector>

#include "calibration/bus_bandwidth.h"
#include "cuda_kernels/crafted_values.h"
#include "cuda_kernels/cuda_check.h"
#include "cuda_kernels/cuda_resources.h"
#include "cuda_kernels/event_timer.h"
#include "cuda_kernels/statistics.h"
#include "cuda_kernels/verify_sample.h"

namespace hetsched::calibrate {

Status RunHostTransferBenchmark(int device, const TransferParams& params,
                                HostTransferResult* result) {
  HETSCHED_CUDA_RETURN_IF_ERROR(cudaSetDevice(device));
  const size_t bytes = static_cast<size_t>(params.bytes) / 4 * 4;
  const int64_t words = static_cast<int64_t>(bytes / 4);
  internal::Stream stream;
  HETSCHED_CAL_RETURN_IF_ERROR(stream.Create());
  internal::PinnedBuffer host;
  HETSCHED_CAL_RETURN_IF_ERROR(host.Allocate(bytes));
  internal::DeviceBuffer dev;
  HETSCHED_CAL_RETURN_IF_ERROR(dev.Allocate(bytes));
  uint32_t* host_words = static_cast<uint32_t*>(host.get());
  for (int64_t i = 0; i < words; ++i) {
    host_words[i] = CraftedWord(static_cast<uint64_t>(i));
  }
  result->bytes = static_cast<int64_t>(bytes);

  std::vector<double> ms;
  HETSCHED_CAL_RETURN_IF_ERROR(internal::TimeOnStream(
      stream.get(), params.warmup_iterations, params.iterations,
      [&]() -> Status {
        HETSCHED_CUDA_RETURN_IF_ERROR(
            cudaMemcpyAsync(dev.get(), host.get(), bytes,
                            cudaMemcpyHostToDevice, stream.get()));
        return OkStatus();
      },
      &ms));
  result->h2d_gbps =
      GigabytesPerSecond(static_cast<double>(bytes), Median(ms) / 1e3);

  // The device now holds the pattern; clear the host copy and bring it back.
  std::memset(host.get(), 0, bytes);
  HETSCHED_CAL_RETURN_IF_ERROR(internal::TimeOnStream(
      stream.get(), params.warmup_iterations, params.iterations,
      [&]() -> Status {
        HETSCHED_CUDA_RETURN_IF_ERROR(
            cudaMemcpyAsync(host.get(), dev.get(), bytes,
                            cudaMemcpyDeviceToHost, stream.get()));
        return OkStatus();
      },
      &ms));
  result->d2h_gbps =
      GigabytesPerSecond(static_cast<double>(bytes), Median(ms) / 1e3);

  bool ok = words > 0;
  for (int s = 0; s < internal::kWordSamples && words > 0; ++s) {
    const int64_t i = internal::SampleIndex(s, words);
    if (host_words[i] != CraftedWord(static_cast<uint64_t>(i))) ok = false;
  }
  result->verified = ok;
  return OkStatus();
}

}  // namespace hetsched::calibrate
