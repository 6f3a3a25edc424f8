// The measurements hetsched-calibrate can take, behind one interface, so the
// runner's logic (sections, time budget, skips, verification status) is
// tested on machines without a GPU against a fake, and the real CUDA
// implementation (cuda_backend.h) stays behind a plain C++ wall: no CUDA
// types here.
//
// Implementations need not be thread-safe; the runner calls them from one
// thread.
#pragma once

#include <cstdint>
#include <vector>

#include "calibration/calibration_report.h"
#include "calibration/status.h"
#include "cuda_kernels/gemm_dtype.h"

namespace hetsched::calibrate {

// What the process can see before it measures anything.
struct DeviceProbe {
  int device_count = 0;
  bool no_device = false;        // no driver, no device, or a stub driver
  std::string no_device_reason;  // cudaGetErrorString text and code
  int cuda_runtime_version = 0;
  int cuda_driver_version = 0;
  int cublaslt_version = 0;
  bool nccl_available = false;  // built with NCCL
  int nccl_version = 0;
};

struct GemmParams {
  int64_t size = 8192;  // m = n = k
  int iterations = 20;
  int warmup_iterations = 5;
};

struct TransferParams {
  int64_t bytes = 0;
  int iterations = 20;
  int warmup_iterations = 5;
};

struct NcclParams {
  std::vector<int> devices;  // this process's devices, one rank each
  bool multi_process = false;
  std::vector<uint8_t> unique_id;  // multi_process: the 128-byte id
  int rank = 0;                    // multi_process: this process's rank
  int nranks = 0;                  // multi_process: communicator size
  int64_t min_bytes = 8;
  int64_t max_bytes = int64_t{1} << 30;
  int64_t step_factor = 2;
  int iterations = 20;
  int warmup_iterations = 5;
  int64_t avg_busbw_min_bytes = int64_t{64} << 20;
  // Sizes not started within this many seconds are skipped (and listed).
  double seconds_left = 100.0;
};

class CalibrationBackend {
 public:
  virtual ~CalibrationBackend() = default;

  // Counts devices and reads versions. "No driver / no device" is not an
  // error: it sets probe->no_device and its reason.
  virtual Status Probe(DeviceProbe* probe) = 0;
  // Fills identity fields (name, uuid, memory, ...) of `report`.
  virtual Status DescribeDevice(int device, DeviceReport* report) = 0;
  virtual Status RunGemm(int device, GemmDtype dtype, const GemmParams& params,
                         GemmResult* result) = 0;
  virtual Status RunMemory(int device, const TransferParams& params,
                           MemoryResult* result) = 0;
  virtual Status RunHostTransfer(int device, const TransferParams& params,
                                 HostTransferResult* result) = 0;
  virtual Status RunPeer(int src_device, int dst_device,
                         const TransferParams& params, PeerResult* result) = 0;
  // Runs the all-reduce, all-gather and reduce-scatter sweeps; appends what
  // the time budget cut to `skipped`.
  virtual Status RunNccl(const NcclParams& params, NcclReport* report,
                         std::vector<SkippedItem>* skipped) = 0;
  // A fresh 128-byte ncclUniqueId.
  virtual Status CreateNcclUniqueId(std::vector<uint8_t>* id) = 0;
};

}  // namespace hetsched::calibrate
