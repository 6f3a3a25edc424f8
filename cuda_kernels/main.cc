// hetsched-calibrate: measures this host's GPUs (GEMM, memory, host-device,
// peer, NCCL) and prints one JSON document on stdout; see
// docs/calibration.md. This file only parses flags, guards stdout, runs the
// sections and maps the outcome to the exit code. Single-threaded.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "calibration/calibration_report.h"
#include "cuda_kernels/calibration_runner.h"
#include "cuda_kernels/cuda_backend.h"
#include "cuda_kernels/flags.h"
#include "cuda_kernels/hex.h"
#include "cuda_kernels/nccl_bench.h"

#ifndef HETSCHED_CALIBRATE_VERSION
#define HETSCHED_CALIBRATE_VERSION "0.1.0"
#endif

namespace hetsched::calibrate {
namespace {

// Libraries (NCCL with NCCL_DEBUG, cuBLASLt logging) may print to stdout;
// the document must be the only thing there. From here on fd 1 is stderr
// and the document goes to the saved original stdout.
class GuardedStdout {
 public:
  GuardedStdout() {
    fd_ = dup(STDOUT_FILENO);
    if (fd_ >= 0) dup2(STDERR_FILENO, STDOUT_FILENO);
  }
  GuardedStdout(const GuardedStdout&) = delete;
  GuardedStdout& operator=(const GuardedStdout&) = delete;
  ~GuardedStdout() {
    if (fd_ >= 0) close(fd_);
  }

  void Write(const std::string& text) const {
    std::fflush(stdout);
    const int fd = fd_ >= 0 ? fd_ : STDOUT_FILENO;
    size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = write(fd, text.data() + done, text.size() - done);
      if (n <= 0) return;
      done += static_cast<size_t>(n);
    }
  }

 private:
  int fd_ = -1;
};

double MonotonicSeconds() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string Hostname() {
  char name[256] = {0};
  if (gethostname(name, sizeof(name) - 1) != 0) return "";
  return name;
}

bool HaveNcclRoot() {
  const char* root = std::getenv("NCCL_COMM_ID");
  return root != nullptr && root[0] != '\0';
}

int BadFlag(const std::string& message) {
  std::fprintf(stderr, "hetsched-calibrate: %s\n", message.c_str());
  return kExitBadFlags;
}

int PrintUniqueId(CalibrationBackend* backend, const GuardedStdout& out) {
  std::vector<uint8_t> id;
  const Status status = backend->CreateNcclUniqueId(&id);
  if (!status.ok()) {
    std::fprintf(stderr, "hetsched-calibrate: %s\n", status.ToString().c_str());
    return kExitError;
  }
  out.Write(HexEncode(id.data(), id.size()) + "\n");
  return kExitOk;
}

int Calibrate(const CalibrateOptions& options, CalibrationBackend* backend,
              const GuardedStdout& out) {
  CalibrationReport report;
  report.tool_version = HETSCHED_CALIBRATE_VERSION;
  report.hostname = Hostname();
  report.started_at_unix_s =
      std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count();
  DeviceProbe probe;
  Status status = backend->Probe(&probe);
  if (!status.ok()) {
    report.status = ReportStatus::kError;
    report.error = status.ToString();
    out.Write(CalibrationReportToJson(report));
    return kExitError;
  }
  if (probe.no_device) {
    report.status = ReportStatus::kNoCudaDevice;
    report.reason = probe.no_device_reason;
    out.Write(CalibrationReportToJson(report));
    return kExitNoCudaDevice;
  }
  std::vector<int> devices;
  status = ResolveDevices(options, probe.device_count, &devices);
  if (!status.ok()) return BadFlag(status.message());
  status = RunCalibration(options, probe, devices, backend, MonotonicSeconds,
                          &report);
  if (!status.ok()) {
    std::fprintf(stderr, "hetsched-calibrate: %s\n", status.ToString().c_str());
  }
  out.Write(CalibrationReportToJson(report));
  return ExitCodeFor(report.status);
}

int Main(int argc, char** argv) {
  CalibrateOptions options;
  const Status parsed =
      ParseFlags(std::vector<std::string>(argv + 1, argv + argc), &options);
  if (!parsed.ok()) return BadFlag(parsed.message());
  if (options.help) {
    std::fputs(UsageText().c_str(), stdout);
    return kExitOk;
  }
  if (!options.nccl_root.empty()) {
    setenv("NCCL_COMM_ID", options.nccl_root.c_str(), 1);
  }
  if ((options.print_unique_id || options.multi_process()) &&
      !NcclAvailable()) {
    return BadFlag(std::string(options.print_unique_id ? "--print-unique-id"
                                                       : "--nccl-unique-id") +
                   ": this build has no NCCL");
  }
  if (options.print_unique_id && !HaveNcclRoot()) {
    return BadFlag(
        "--print-unique-id: needs --nccl-root HOST:PORT (or NCCL_COMM_ID); "
        "without it NCCL's bootstrap root would live in this process and "
        "vanish when it exits");
  }
  if (options.multi_process() && options.rank == 0 && !HaveNcclRoot()) {
    return BadFlag(
        "--nccl-root: required for --rank 0 (HOST:PORT where this process "
        "starts NCCL's bootstrap root; the same value --print-unique-id got)");
  }
  GuardedStdout out;
  std::unique_ptr<CalibrationBackend> backend = CreateCudaCalibrationBackend();
  if (options.print_unique_id) return PrintUniqueId(backend.get(), out);
  return Calibrate(options, backend.get(), out);
}

}  // namespace
}  // namespace hetsched::calibrate

int main(int argc, char** argv) {
  return hetsched::calibrate::Main(argc, argv);
}
