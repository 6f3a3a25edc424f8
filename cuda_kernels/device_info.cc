// CUDA device discovery through the runtime API.
#include "cuda_kernels/device_info.h"

#include <cublasLt.h>
#include <cuda_runtime_api.h>

#include <cstdio>

#include "cuda_kernels/cuda_check.h"
#include "cuda_kernels/nccl_bench.h"

namespace hetsched::calibrate {
namespace {

// "GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", as nvidia-smi prints it.
std::string FormatUuid(const cudaUUID_t& uuid) {
  const auto* b = reinterpret_cast<const unsigned char*>(uuid.bytes);
  char text[48];
  std::snprintf(text, sizeof(text),
                "GPU-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                "%02x%02x%02x%02x%02x%02x",
                b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
                b[10], b[11], b[12], b[13], b[14], b[15]);
  return text;
}

}  // namespace

Status ProbeCudaDevices(DeviceProbe* probe) {
  HETSCHED_CUDA_RETURN_IF_ERROR(
      cudaRuntimeGetVersion(&probe->cuda_runtime_version));
  probe->cublaslt_version = static_cast<int>(cublasLtGetVersion());
  probe->nccl_available = NcclAvailable();
  int count = 0;
  const cudaError_t error = cudaGetDeviceCount(&count);
  if (error == cudaErrorNoDevice || error == cudaErrorInsufficientDriver ||
      error == cudaErrorStubLibrary) {
    cudaGetLastError();  // clear it
    probe->no_device = true;
    probe->no_device_reason = internal::CudaErrorText(error);
    return OkStatus();
  }
  HETSCHED_CUDA_RETURN_IF_ERROR(error);
  if (count == 0) {
    probe->no_device = true;
    probe->no_device_reason = "cudaGetDeviceCount found 0 devices";
    return OkStatus();
  }
  probe->device_count = count;
  HETSCHED_CUDA_RETURN_IF_ERROR(
      cudaDriverGetVersion(&probe->cuda_driver_version));
  probe->nccl_version = NcclVersion();
  return OkStatus();
}

Status DescribeCudaDevice(int device, DeviceReport* report) {
  cudaDeviceProp prop{};
  HETSCHED_CUDA_RETURN_IF_ERROR(cudaGetDeviceProperties(&prop, device));
  char bus_id[32] = {0};
  HETSCHED_CUDA_RETURN_IF_ERROR(
      cudaDeviceGetPCIBusId(bus_id, sizeof(bus_id), device));
  report->index = device;
  report->name = prop.name;
  report->uuid = FormatUuid(prop.uuid);
  report->pci_bus_id = bus_id;
  report->compute_capability_major = prop.major;
  report->compute_capability_minor = prop.minor;
  report->total_memory_bytes = static_cast<int64_t>(prop.totalGlobalMem);
  report->multiprocessor_count = prop.multiProcessorCount;
  return OkStatus();
}

}  // namespace hetsched::calibrate
