// GPU-to-GPU bandwidth within one host: cudaMemcpyPeer from one device to
// another, with peer access enabled where cudaDeviceCanAccessPeer allows it
// (and disabled again afterwards); the copy is checked on a sample. Plain
// C++ interface (no CUDA types). Not thread-safe.
#pragma once

#include "calibration/calibration_report.h"
#include "calibration/status.h"
#include "cuda_kernels/calibration_backend.h"

namespace hetsched::calibrate {

Status RunPeerBenchmark(int src_device, int dst_device,
                        const TransferParams& params, PeerResult* result);

}  // namespace hetsched::calibrate
