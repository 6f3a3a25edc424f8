// Times an operation repeated back to back on one stream with CUDA events:
// untimed warm-up runs, then one event between consecutive runs, so each
// sample is one run's device time without host gaps. Exposes CUDA types:
// included only by this directory's CUDA-side sources. Not thread-safe.
#pragma once

#include <cuda_runtime_api.h>

#include <functional>
#include <vector>

#include "calibration/status.h"

namespace hetsched::calibrate::internal {

// Runs `op` (which enqueues work on `stream`) warmup + iterations times and
// sets `milliseconds` to the device time of each timed run.
Status TimeOnStream(cudaStream_t stream, int warmup, int iterations,
                    const std::function<Status()>& op,
                    std::vector<double>* milliseconds);

}  // namespace hetsched::calibrate::internal
