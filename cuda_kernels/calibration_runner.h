// Runs the calibration sections against a CalibrationBackend within a time
// budget and fills a CalibrationReport: which devices, which sections in
// which order, what is skipped and why, and the final status. Holds no
// state; the clock is injected so tests drive time. Not thread-safe with
// respect to the backend it is given.
#pragma once

#include <functional>
#include <vector>

#include "calibration/calibration_report.h"
#include "calibration/status.h"
#include "cuda_kernels/calibration_backend.h"
#include "cuda_kernels/flags.h"

namespace hetsched::calibrate {

// Monotonic seconds from an arbitrary origin.
using SecondsClock = std::function<double()>;

inline constexpr char kSingleRankNote[] =
    "a single-rank collective measures no link: busbw is 0 by definition "
    "(factor 2(n-1)/n or (n-1)/n with n = 1); algbw is a local copy rate";

// The devices to measure: --devices, or all `visible` ones (multi-process
// mode: the first of --devices, or 0). INVALID_ARGUMENT naming --devices
// when one is not visible.
Status ResolveDevices(const CalibrateOptions& options, int visible,
                      std::vector<int>* devices);

// Measures `devices` section by section. On a backend error stops, sets
// report->status = kError and report->error, and returns that error;
// otherwise sets kOk or kVerificationFailed. Also fills versions, config,
// elapsed_s and verified. Leaves tool_version, hostname and
// started_at_unix_s to the caller.
Status RunCalibration(const CalibrateOptions& options, const DeviceProbe& probe,
                      const std::vector<int>& devices,
                      CalibrationBackend* backend, const SecondsClock& now,
                      CalibrationReport* report);

// True when every check in `report` that ran passed.
bool AllVerified(const CalibrationReport& report);

}  // namespace hetsched::calibrate
