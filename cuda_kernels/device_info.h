// Which CUDA devices this process sees, and what each one is. "No driver"
// and "no device" are answers here, not errors, so a host without a GPU
// gets a clean no_cuda_device report. Uses only the CUDA runtime API (never
// the driver API), so the program starts where libcuda.so.1 is absent.
// Plain C++ interface (no CUDA types). Thread-safe (the runtime is).
#pragma once

#include "calibration/calibration_report.h"
#include "calibration/status.h"
#include "cuda_kernels/calibration_backend.h"

namespace hetsched::calibrate {

// Counts devices and reads runtime, driver, cuBLASLt and NCCL versions.
// cudaErrorNoDevice (100), cudaErrorInsufficientDriver (35), a stub driver
// (cudaErrorStubLibrary, 34) or zero devices set probe->no_device with the
// CUDA error text and code as the reason; other errors are returned.
Status ProbeCudaDevices(DeviceProbe* probe);

// Name, uuid, PCI bus id, compute capability, memory and SM count.
Status DescribeCudaDevice(int device, DeviceReport* report);

}  // namespace hetsched::calibrate
