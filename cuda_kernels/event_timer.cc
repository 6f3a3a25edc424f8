// Back-to-back CUDA event timing.
#include "cuda_kernels/event_timer.h"

#include "cuda_kernels/cuda_check.h"
#include "cuda_kernels/cuda_resources.h"

namespace hetsched::calibrate::internal {

Status TimeOnStream(cudaStream_t stream, int warmup, int iterations,
                    const std::function<Status()>& op,
                    std::vector<double>* milliseconds) {
  for (int i = 0; i < warmup; ++i) HETSCHED_CAL_RETURN_IF_ERROR(op());
  std::vector<Event> events(static_cast<size_t>(iterations) + 1);
  for (Event& e : events) HETSCHED_CAL_RETURN_IF_ERROR(e.Create());
  HETSCHED_CUDA_RETURN_IF_ERROR(cudaEventRecord(events[0].get(), stream));
  for (int i = 0; i < iterations; ++i) {
    HETSCHED_CAL_RETURN_IF_ERROR(op());
    HETSCHED_CUDA_RETURN_IF_ERROR(
        cudaEventRecord(events[static_cast<size_t>(i) + 1].get(), stream));
  }
  HETSCHED_CUDA_RETURN_IF_ERROR(cudaEventSynchronize(events.back().get()));
  milliseconds->clear();
  for (int i = 0; i < iterations; ++i) {
    float ms = 0.0f;
    HETSCHED_CUDA_RETURN_IF_ERROR(
        cudaEventElapsedTime(&ms, events[static_cast<size_t>(i)].get(),
                             events[static_cast<size_t>(i) + 1].get()));
    milliseconds->push_back(ms);
  }
  return OkStatus();
}

}  // namespace hetsched::calibrate::internal
