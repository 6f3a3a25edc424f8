#include "scheduler/control/calibration_assessment.h"

#include <fstream>
#include <sstream>

#include "gtest/gtest.h"

namespace hetsched::control {
namespace {

std::string Recorded(const std::string& name) {
  std::ifstream in(std::string(HETSCHED_TEST_DATA_DIR) + "/" + name);
  std::stringstream s;
  s << in.rdbuf();
  EXPECT_FALSE(s.str().empty()) << name;
  return s.str();
}

const AcceleratorSpec* H100() {
  return AcceleratorCatalogue::BuiltIn().Find("nvidia/h100");
}

TEST(CalibrationAssessmentTest, HealthyHostIsNotDegraded) {
  auto a =
      AssessCalibration(Recorded("calibration-h100-healthy.json"), H100(), {});
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_TRUE(a->measured);
  EXPECT_FALSE(a->degraded) << a->reason;
  // 760 TFLOP/s against 0.8 x 989 expected.
  EXPECT_NEAR(a->speed_factor, 760.0 / (0.8 * 989), 1e-9);
  EXPECT_EQ(a->figures.size(), 16u);
}

TEST(CalibrationAssessmentTest, OneGpuAtHalfRateDegradesTheNode) {
  auto a = AssessCalibration(Recorded("calibration-h100-half-gemm.json"),
                             H100(), {});
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->degraded);
  EXPECT_NE(a->reason.find("device 5 gemm_bf16_tflops 395 is 50%"),
            std::string::npos)
      << a->reason;
  EXPECT_NEAR(a->speed_factor, 395.0 / (0.8 * 989), 1e-9);
}

TEST(CalibrationAssessmentTest, ThresholdIsConfigurable) {
  CalibrationThresholds strict;
  strict.degraded_fraction = 0.9;
  auto a = AssessCalibration(Recorded("calibration-h100-slower.json"), H100(),
                             strict);
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->degraded);  // 680 / 791 = 86%
  a = AssessCalibration(Recorded("calibration-h100-slower.json"), H100(), {});
  EXPECT_FALSE(a->degraded);
}

TEST(CalibrationAssessmentTest, NoDeviceIsNotAMeasurement) {
  auto a =
      AssessCalibration(Recorded("calibration-no-device.json"), H100(), {});
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(a->measured);
  EXPECT_FALSE(a->degraded);
  EXPECT_EQ(a->speed_factor, 1.0);
}

TEST(CalibrationAssessmentTest, WrongResultsDegrade) {
  auto a = AssessCalibration(
      R"({"schema_version": 1, "status": "verification_failed"})", H100(), {});
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->degraded);
}

TEST(CalibrationAssessmentTest, GarbageIsInvalidArgument) {
  auto a = AssessCalibration("{not json", H100(), {});
  EXPECT_EQ(a.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace hetsched::control
