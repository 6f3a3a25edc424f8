// Produces this host's calibration document (hetsched-calibrate's JSON,
// docs/calibration.md). Two implementations behind one interface:
//  - process: runs hetsched-calibrate as a child (through a ChildLauncher,
//    so the agent's single TaskRunner reaps it) with a timeout; a crash,
//    a timeout or unreadable output becomes a document with status "error",
//    never an agent failure; a missing binary a "no_cuda_device" document;
//  - recorded: reports a file's document as is (simulated hosts, tests).
// Run() always returns a document. Implementations are thread-safe but the
// process runner runs one calibration at a time (CalibrationLoop ensures it).
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "agent/child_launcher.h"

namespace hetsched::agent {

class CalibrationRunner {
 public:
  struct Options {
    // A recorded document: when set, nothing is run.
    std::string calibration_file;
    // hetsched-calibrate; empty: not found (see FindCalibrateBinary).
    std::string calibrate_bin;
    // Where the child's stdout/stderr files go (created if missing).
    std::string work_dir;
    ChildLauncher* launcher = nullptr;
    // The child is killed after budget + max(30 s, budget / 2): the tool
    // skips what it has not started at the budget, but a section already
    // running may take a little longer.
    absl::Duration min_grace = absl::Seconds(30);
  };

  static std::unique_ptr<CalibrationRunner> Create(Options options);
  virtual ~CalibrationRunner() = default;

  // One calibration with a time budget of `budget_s` seconds. Once
  // `*cancel` (may be null) is true the child is killed and an "error"
  // document returned.
  virtual std::string Run(uint32_t budget_s,
                          const std::atomic<bool>* cancel) = 0;
};

// `flag` when given (INVALID_ARGUMENT naming --calibrate-bin if it is not an
// executable file); else hetsched-calibrate next to `self_exe`, else on
// $PATH; else "" (not found, which is not an error).
absl::StatusOr<std::string> FindCalibrateBinary(const std::string& flag,
                                                const std::string& self_exe);

// The documents the agent writes itself, in the tool's schema.
std::string NoDeviceDocument(const std::string& reason);
std::string ErrorDocument(const std::string& error);

}  // namespace hetsched::agent
