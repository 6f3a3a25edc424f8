// Error-checking macros for CUDA runtime, cuBLASLt and NCCL calls, in the
// style of nccl-tests: a failed call RETURNS a Status naming the call, its
// file:line and the library's own error text and code. Never exits, never
// throws. Included only by .cu files (this header exposes CUDA types).
#pragma once

#include <cublasLt.h>
#include <cuda_runtime_api.h>

#include <string>

#include "calibration/status.h"

#if HETSCHED_HAVE_NCCL
#include <nccl.h>
#endif

namespace hetsched::calibrate::internal {

inline const char* BaseName(const char* path) {
  const char* base = path;
  for (const char* p = path; *p != '\0'; ++p) {
    if (*p == '/') base = p + 1;
  }
  return base;
}

inline std::string Where(const char* file, int line, const char* expr) {
  return std::string(BaseName(file)) + ":" + std::to_string(line) + ": " +
         expr + ": ";
}

// "<cudaGetErrorString text> (<cudaGetErrorName> = <code>)".
inline std::string CudaErrorText(cudaError_t error) {
  return std::string(cudaGetErrorString(error)) + " (" +
         cudaGetErrorName(error) + " = " +
         std::to_string(static_cast<int>(error)) + ")";
}

inline Status CudaFailure(cudaError_t error, const char* expr, const char* file,
                          int line) {
  const StatusCode code = error == cudaErrorMemoryAllocation
                              ? StatusCode::kResourceExhausted
                              : StatusCode::kInternal;
  return Status(code, Where(file, line, expr) + CudaErrorText(error));
}

inline Status CublasFailure(cublasStatus_t status, const char* expr,
                            const char* file, int line) {
  return InternalError(Where(file, line, expr) +
                       cublasLtGetStatusString(status) + " (" +
                       cublasLtGetStatusName(status) + " = " +
                       std::to_string(static_cast<int>(status)) + ")");
}

#if HETSCHED_HAVE_NCCL
inline Status NcclFailure(ncclResult_t result, const char* expr,
                          const char* file, int line) {
  std::string message =
      Where(file, line, expr) + ncclGetErrorString(result) +
      " (ncclResult_t = " + std::to_string(static_cast<int>(result)) + ")";
  const char* last = ncclGetLastError(nullptr);
  if (last != nullptr && last[0] != '\0')
    message += "; last error: " + std::string(last);
  return InternalError(message);
}
#endif

}  // namespace hetsched::calibrate::internal

#define HETSCHED_CUDA_RETURN_IF_ERROR(expr)                 \
  do {                                                      \
    const cudaError_t hetsched_cuda_error_ = (expr);        \
    if (hetsched_cuda_error_ != cudaSuccess) {              \
      return ::hetsched::calibrate::internal::CudaFailure(  \
          hetsched_cuda_error_, #expr, __FILE__, __LINE__); \
    }                                                       \
  } while (0)

#define HETSCHED_CUBLAS_RETURN_IF_ERROR(expr)                  \
  do {                                                         \
    const cublasStatus_t hetsched_cublas_status_ = (expr);     \
    if (hetsched_cublas_status_ != CUBLAS_STATUS_SUCCESS) {    \
      return ::hetsched::calibrate::internal::CublasFailure(   \
          hetsched_cublas_status_, #expr, __FILE__, __LINE__); \
    }                                                          \
  } while (0)

// Checks the launch of the kernel just issued (configuration errors).
#define HETSCHED_CUDA_RETURN_IF_LAUNCH_FAILED() \
  HETSCHED_CUDA_RETURN_IF_ERROR(cudaGetLastError())

#if HETSCHED_HAVE_NCCL
#define HETSCHED_NCCL_RETURN_IF_ERROR(expr)                  \
  do {                                                       \
    const ncclResult_t hetsched_nccl_result_ = (expr);       \
    if (hetsched_nccl_result_ != ncclSuccess) {              \
      return ::hetsched::calibrate::internal::NcclFailure(   \
          hetsched_nccl_result_, #expr, __FILE__, __LINE__); \
    }                                                        \
  } while (0)
#endif
