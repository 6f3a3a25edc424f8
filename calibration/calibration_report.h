// What hetsched-calibrate measured, as plain structs, and their JSON form
// (schema_version 1, documented field by field in docs/calibration.md).
// The agent sends the JSON document to the scheduler, which reads it back
// with ParseCalibrationReport (calibration_report_parser.h).
//
// Unmeasured numbers are NaN in the structs and null in JSON. Plain data;
// thread-compatible.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "calibration/bus_bandwidth.h"

namespace hetsched::calibrate {

inline constexpr int kCalibrationSchemaVersion = 1;
inline constexpr double kNotMeasured = std::numeric_limits<double>::quiet_NaN();

// Process exit codes of hetsched-calibrate.
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitBadFlags = 2;
inline constexpr int kExitNoCudaDevice = 3;
inline constexpr int kExitVerificationFailed = 4;

enum class ReportStatus { kOk, kNoCudaDevice, kError, kVerificationFailed };

// "ok", "no_cuda_device", "error", "verification_failed".
const char* ReportStatusName(ReportStatus status);
bool ParseReportStatus(std::string_view name, ReportStatus* status);
// kExitOk, kExitNoCudaDevice, kExitError, kExitVerificationFailed.
int ExitCodeFor(ReportStatus status);

// One cuBLASLt matmul D = op(A) * B with m = n = k = gemm size ("TN").
struct GemmResult {
  std::string dtype;  // GemmDtypeName: bf16, fp16, tf32, fp8_e4m3
  int64_t m = 0;
  int64_t n = 0;
  int64_t k = 0;
  double tflops = kNotMeasured;          // 2*m*n*k / median time / 1e12
  double median_time_ms = kNotMeasured;  // one matmul, CUDA events
  int algorithms_tried = 0;  // heuristic candidates timed; fastest kept
  bool verified = false;     // sampled outputs match the CPU reference
  int64_t samples_checked = 0;
  double max_abs_error = kNotMeasured;  // over the samples
};

// Device memory bandwidth, counting bytes read plus bytes written.
struct MemoryResult {
  int64_t bytes = 0;                 // size of each buffer
  double copy_gbps = kNotMeasured;   // cudaMemcpy D2D: 2 * bytes / time
  double triad_gbps = kNotMeasured;  // a = b + s*c: 3 * bytes / time
  bool verified = false;             // copy and triad outputs sampled
};

// Pinned host memory <-> device.
struct HostTransferResult {
  int64_t bytes = 0;
  double h2d_gbps = kNotMeasured;  // bytes / time
  double d2h_gbps = kNotMeasured;
  bool verified = false;  // the data round-trips intact (sampled)
};

struct DeviceReport {
  int index = -1;  // CUDA device ordinal in this process
  std::string name;
  std::string uuid;        // "GPU-xxxxxxxx-...", as nvidia-smi and NVML print
  std::string pci_bus_id;  // "0000:18:00.0"
  int compute_capability_major = 0;
  int compute_capability_minor = 0;
  int64_t total_memory_bytes = 0;
  int multiprocessor_count = 0;
  std::vector<GemmResult> gemm;
  std::optional<MemoryResult> memory;
  std::optional<HostTransferResult> host;
};

// cudaMemcpyPeer from src_device to dst_device.
struct PeerResult {
  int src_device = -1;
  int dst_device = -1;
  bool peer_access = false;  // cudaDeviceCanAccessPeer(src, dst)
  int64_t bytes = 0;
  double gbps = kNotMeasured;  // bytes / time
  bool verified = false;
};

// One message size of a collective sweep (nccl-tests columns).
struct CollectiveSample {
  int64_t bytes = 0;              // the size column; see bus_bandwidth.h
  int64_t count = 0;              // float elements per call (send count)
  double time_us = kNotMeasured;  // mean over the timed iterations
  double algbw_gbps = kNotMeasured;
  double busbw_gbps = kNotMeasured;
  bool verified = false;
};

struct CollectiveResult {
  Collective collective = Collective::kAllReduce;
  std::vector<CollectiveSample> samples;
  // Mean busbw over samples with bytes >= NcclReport::avg_busbw_min_bytes;
  // NaN when there are none.
  double avg_busbw_gbps = kNotMeasured;
  bool verified = false;
};

struct NcclReport {
  std::string mode;          // "single_process" or "multi_process"
  int ranks = 0;             // communicator size
  int first_rank = 0;        // this process's first rank (its only one when
                             // multi_process)
  std::vector<int> devices;  // CUDA ordinals of this process's ranks
  int64_t avg_busbw_min_bytes = 0;
  std::string note;  // e.g. why busbw is 0 with one rank; empty if none
  std::vector<CollectiveResult> collectives;
};

// A part of the run that did not happen, and why.
struct SkippedItem {
  std::string section;  // gemm, memory, host, peer, nccl
  std::string item;     // e.g. "fp8_e4m3", "all_gather"; empty: all of it
  int device = -1;      // -1: not about one device
  std::string reason;
};

// The flags the run used, so a reader knows what the numbers mean.
struct RunConfig {
  std::vector<std::string> sections;
  int64_t gemm_size = 0;
  int iterations = 0;
  int warmup_iterations = 0;
  int64_t memory_bytes = 0;
  int64_t host_bytes = 0;
  int64_t peer_bytes = 0;
  int64_t min_bytes = 0;
  int64_t max_bytes = 0;
  int64_t step_factor = 0;
  double time_budget_s = 0;
};

struct CalibrationReport {
  int schema_version = kCalibrationSchemaVersion;
  ReportStatus status = ReportStatus::kOk;
  std::string reason;  // no_cuda_device: the CUDA error text and code
  std::string error;   // error: what failed, with file:line
  std::string tool_version;
  std::string hostname;
  int64_t started_at_unix_s = 0;
  double elapsed_s = kNotMeasured;
  int cuda_runtime_version = 0;  // e.g. 13000
  int cuda_driver_version = 0;
  int cublaslt_version = 0;
  bool nccl_available = false;  // built with NCCL
  int nccl_version = 0;         // e.g. 22809; 0 when unavailable
  RunConfig config;
  std::vector<DeviceReport> devices;
  std::vector<PeerResult> peers;
  std::optional<NcclReport> nccl;
  std::vector<SkippedItem> skipped;
  bool verified = false;  // every check that ran passed
};

// Mean busbw over `samples` with bytes >= min_bytes; NaN when none qualify.
double AverageBusBandwidthGbps(const std::vector<CollectiveSample>& samples,
                               int64_t min_bytes);

// The JSON document for `report`. A no_cuda_device report is exactly
// {"schema_version": 1, "status": "no_cuda_device", "reason": ...}.
std::string CalibrationReportToJson(const CalibrationReport& report);

}  // namespace hetsched::calibrate
