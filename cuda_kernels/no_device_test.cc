// Runs the real hetsched-calibrate binary on a host without a GPU: it must
// start (no libcuda.so.1 needed), print exactly the no_cuda_device document
// and exit 3. Skips on hosts that have a GPU.
#include <string>

#include "calibration/calibration_report.h"
#include "calibration/calibration_report_parser.h"
#include "calibration/json_reader.h"
#include "cuda_kernels/test_process.h"
#include "gtest/gtest.h"

namespace hetsched::calibrate {
namespace {

using ::hetsched::calibrate::testing::HostHasNvidiaGpu;
using ::hetsched::calibrate::testing::RunProcess;

const char kBinary[] = HETSCHED_CALIBRATE_BIN;

TEST(NoDeviceTest, PrintsNoCudaDeviceAndExitsThree) {
  if (HostHasNvidiaGpu()) {
    GTEST_SKIP() << "/dev/nvidia0 exists: this host has a GPU, so the "
                    "no-device path cannot be observed here";
  }
  const auto result = RunProcess(std::string(kBinary) + " 2>/dev/null");
  EXPECT_EQ(result.exit_code, kExitNoCudaDevice) << result.stdout_text;

  JsonValue root;
  ASSERT_TRUE(ParseJson(result.stdout_text, &root).ok()) << result.stdout_text;
  ASSERT_EQ(root.object_members().size(), 3u) << result.stdout_text;
  EXPECT_EQ(root.Find("schema_version")->number_value(), 1);
  EXPECT_EQ(root.Find("status")->string_value(), "no_cuda_device");
  const std::string reason = root.Find("reason")->string_value();
  // The CUDA error text and its code (35: no driver, 100: no device).
  EXPECT_TRUE(reason.find("= 35)") != std::string::npos ||
              reason.find("= 100)") != std::string::npos ||
              reason.find("= 34)") != std::string::npos)
      << reason;

  CalibrationReport report;
  ASSERT_TRUE(ParseCalibrationReport(result.stdout_text, &report).ok());
  EXPECT_EQ(report.status, ReportStatus::kNoCudaDevice);
}

TEST(NoDeviceTest, HiddenDevicesAlsoMeanNoCudaDevice) {
  // With every device hidden, even a GPU host takes the no-device path.
  const auto result = RunProcess(
      "CUDA_VISIBLE_DEVICES= " + std::string(kBinary) + " 2>/dev/null");
  EXPECT_EQ(result.exit_code, kExitNoCudaDevice) << result.stdout_text;
  CalibrationReport report;
  ASSERT_TRUE(ParseCalibrationReport(result.stdout_text, &report).ok());
  EXPECT_EQ(report.status, ReportStatus::kNoCudaDevice);
}

TEST(NoDeviceTest, BadFlagExitsTwoNamingTheFlagOnStderr) {
  const auto result =
      RunProcess(std::string(kBinary) + " --gemm-size banana 2>&1 >/dev/null");
  EXPECT_EQ(result.exit_code, kExitBadFlags);
  EXPECT_NE(result.stdout_text.find("--gemm-size"), std::string::npos)
      << result.stdout_text;
}

TEST(NoDeviceTest, PrintUniqueIdWithoutRootIsABadFlag) {
  const auto result = RunProcess("env -u NCCL_COMM_ID " + std::string(kBinary) +
                                 " --print-unique-id 2>&1 >/dev/null");
  EXPECT_EQ(result.exit_code, kExitBadFlags);
  EXPECT_NE(result.stdout_text.find("--nccl-root"), std::string::npos)
      << result.stdout_text;
}

TEST(NoDeviceTest, HelpExitsZero) {
  const auto result = RunProcess(std::string(kBinary) + " --help");
  EXPECT_EQ(result.exit_code, kExitOk);
  EXPECT_NE(result.stdout_text.find("--nccl-unique-id"), std::string::npos);
}

}  // namespace
}  // namespace hetsched::calibrate
