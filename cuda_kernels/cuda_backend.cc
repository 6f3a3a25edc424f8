// The CUDA CalibrationBackend: forwards to the benchmark functions.
#include "cuda_kernels/cuda_backend.h"

#include "cuda_kernels/device_info.h"
#include "cuda_kernels/gemm_bench.h"
#include "cuda_kernels/host_transfer_bench.h"
#include "cuda_kernels/memory_bench.h"
#include "cuda_kernels/nccl_bench.h"
#include "cuda_kernels/peer_bench.h"

namespace hetsched::calibrate {
namespace {

class CudaCalibrationBackend final : public CalibrationBackend {
 public:
  Status Probe(DeviceProbe* probe) override { return ProbeCudaDevices(probe); }
  Status DescribeDevice(int device, DeviceReport* report) override {
    return DescribeCudaDevice(device, report);
  }
  Status RunGemm(int device, GemmDtype dtype, const GemmParams& params,
                 GemmResult* result) override {
    return RunGemmBenchmark(device, dtype, params, result);
  }
  Status RunMemory(int device, const TransferParams& params,
                   MemoryResult* result) override {
    return RunMemoryBenchmark(device, params, result);
  }
  Status RunHostTransfer(int device, const TransferParams& params,
                         HostTransferResult* result) override {
    return RunHostTransferBenchmark(device, params, result);
  }
  Status RunPeer(int src_device, int dst_device, const TransferParams& params,
                 PeerResult* result) override {
    return RunPeerBenchmark(src_device, dst_device, params, result);
  }
  Status RunNccl(const NcclParams& params, NcclReport* report,
                 std::vector<SkippedItem>* skipped) override {
    return RunNcclBenchmark(params, report, skipped);
  }
  Status CreateNcclUniqueId(std::vector<uint8_t>* id) override {
    return ::hetsched::calibrate::CreateNcclUniqueId(id);
  }
};

}  // namespace

std::unique_ptr<CalibrationBackend> CreateCudaCalibrationBackend() {
  return std::make_unique<CudaCalibrationBackend>();
}

}  // namespace hetsched::calibrate
