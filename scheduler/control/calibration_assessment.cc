#include "scheduler/control/calibration_assessment.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "calibration/calibration_report_parser.h"

namespace hetsched::control {
namespace {

using calibrate::ReportStatus;

void AddFigure(CalibrationAssessment& a, int device, const std::string& name,
               double measured, double expected) {
  if (std::isnan(measured) || expected <= 0) return;
  a.figures.push_back({device, name, measured, expected, measured / expected});
}

}  // namespace

absl::StatusOr<CalibrationAssessment> AssessCalibration(
    const std::string& document_json, const AcceleratorSpec* spec,
    const CalibrationThresholds& thresholds) {
  calibrate::CalibrationReport report;
  calibrate::Status parsed =
      calibrate::ParseCalibrationReport(document_json, &report);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("calibration document: ", parsed.message()));
  }
  CalibrationAssessment a;
  switch (report.status) {
    case ReportStatus::kNoCudaDevice:
      a.reason = absl::StrCat("no device measured: ", report.reason);
      return a;
    case ReportStatus::kError:
      a.measured = true;
      a.degraded = true;
      a.reason = absl::StrCat("calibration failed: ", report.error);
      return a;
    case ReportStatus::kVerificationFailed:
      a.measured = true;
      a.degraded = true;
      a.reason = "calibration produced wrong results";
      return a;
    case ReportStatus::kOk:
      break;
  }
  a.measured = true;
  for (const auto& d : report.devices) {
    for (const auto& g : d.gemm) {
      if (g.dtype == "bf16" && spec != nullptr) {
        AddFigure(a, d.index, "gemm_bf16_tflops", g.tflops,
                  spec->bf16_tflops * thresholds.gemm_efficiency);
      }
    }
    if (d.memory && spec != nullptr) {
      AddFigure(a, d.index, "memory_copy_gbps", d.memory->copy_gbps,
                spec->memory_bandwidth_gbps * thresholds.memory_efficiency);
    }
  }
  const CalibrationFigure* worst = nullptr;
  double slowest_gemm = 0;
  for (const auto& f : a.figures) {
    if (worst == nullptr || f.ratio < worst->ratio) worst = &f;
    if (f.name == "gemm_bf16_tflops") {
      slowest_gemm =
          slowest_gemm == 0 ? f.ratio : std::min(slowest_gemm, f.ratio);
    }
  }
  // A gang runs at the pace of its slowest chip.
  if (slowest_gemm > 0) a.speed_factor = std::clamp(slowest_gemm, 0.05, 2.0);
  if (worst != nullptr && worst->ratio < thresholds.degraded_fraction) {
    a.degraded = true;
    a.reason = absl::StrFormat(
        "device %d %s %.0f is %.0f%% of the expected %.0f (threshold %.0f%%)",
        worst->device, worst->name, worst->measured, 100 * worst->ratio,
        worst->expected, 100 * thresholds.degraded_fraction);
  }
  return a;
}

}  // namespace hetsched::control
