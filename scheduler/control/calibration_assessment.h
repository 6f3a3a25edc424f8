// Judges a node's calibration document against the accelerator catalogue:
// is the node degraded (and why), and how fast is it relative to its kind.
// The catalogue holds datasheet peaks; healthy chips reach a known share of
// them (dense GEMM ~80%, a device copy ~90%), so a figure is compared with
// peak x efficiency, and the node is degraded below `degraded_fraction` of
// that. Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/accelerator_catalogue.h"

namespace hetsched::control {

struct CalibrationThresholds {
  double degraded_fraction = 0.8;
  double gemm_efficiency = 0.8;    // achievable share of dense bf16 peak
  double memory_efficiency = 0.9;  // achievable share of HBM bandwidth
};

// One measured figure against its expectation.
struct CalibrationFigure {
  int device = -1;
  std::string name;  // "gemm_bf16_tflops", "memory_copy_gbps"
  double measured = 0;
  double expected = 0;
  double ratio = 0;  // measured / expected
};

struct CalibrationAssessment {
  bool measured = false;  // false: no device was measured (no GPU here)
  bool degraded = false;
  std::string reason;         // why degraded, or why not measured
  double speed_factor = 1.0;  // slowest device's GEMM ratio; 1 if unknown
  std::vector<CalibrationFigure> figures;
};

// INVALID_ARGUMENT when the document does not parse.
absl::StatusOr<CalibrationAssessment> AssessCalibration(
    const std::string& document_json, const AcceleratorSpec* spec,
    const CalibrationThresholds& thresholds);

}  // namespace hetsched::control
