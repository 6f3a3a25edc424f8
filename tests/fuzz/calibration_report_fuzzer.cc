// Fuzzes the calibration-report reader: the JSON an agent sends from
// hetsched-calibrate, parsed and judged by the scheduler against a kind
// with a datasheet entry and against none.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "calibration/calibration_report_parser.h"
#include "common/accelerator_catalogue.h"
#include "scheduler/control/calibration_assessment.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto* const catalogue = new hetsched::AcceleratorCatalogue(
      hetsched::AcceleratorCatalogue::BuiltIn());
  const std::string json(reinterpret_cast<const char*>(data), size);
  hetsched::calibrate::CalibrationReport report;
  (void)hetsched::calibrate::ParseCalibrationReport(json, &report);
  const hetsched::control::CalibrationThresholds thresholds;
  (void)hetsched::control::AssessCalibration(
      json, catalogue->Find("nvidia/h100"), thresholds);
  (void)hetsched::control::AssessCalibration(json, nullptr, thresholds);
  return 0;
}
