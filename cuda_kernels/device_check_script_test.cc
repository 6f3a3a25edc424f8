// Runs cuda_kernels/device_check.sh without a GPU: handed the real binary
// it must stop at "no CUDA device" (exit 3) before PyTorch; handed a
// recorded document it must read our figures into its table, and fail the
// bars it cannot judge without PyTorch on a GPU.
#include <cstdlib>
#include <string>

#include "cuda_kernels/test_process.h"
#include "gtest/gtest.h"

namespace hetsched::calibrate {
namespace {

using ::hetsched::calibrate::testing::RunProcess;

const std::string kScript =
    std::string(HETSCHED_REPO_DIR) + "/cuda_kernels/device_check.sh";

std::string OutDir(const std::string& name) {
  std::string dir = ::testing::TempDir() + "device_check_" + name;
  EXPECT_EQ(std::system(("mkdir -p " + dir).c_str()), 0);
  return dir;
}

TEST(DeviceCheckScriptTest, StopsAtNoCudaDeviceBeforePyTorch) {
  const auto result =
      RunProcess("CUDA_VISIBLE_DEVICES= OUT=" + OutDir("none") +
                 " HETSCHED_CALIBRATE_BIN=" + HETSCHED_CALIBRATE_BIN +
                 " bash " + kScript + " 2>/dev/null");
  EXPECT_EQ(result.exit_code, 3) << result.stdout_text;
  EXPECT_NE(result.stdout_text.find("\"status\": \"no_cuda_device\""),
            std::string::npos)
      << result.stdout_text;
  EXPECT_NE(
      result.stdout_text.find("DEVICE CHECK: no CUDA device on this host"),
      std::string::npos);
  EXPECT_EQ(result.stdout_text.find("PyTorch"), std::string::npos);
}

TEST(DeviceCheckScriptTest, TabulatesARecordedRunAndFailsUnjudgedBars) {
  const std::string dir = OutDir("recorded");
  const std::string fake = dir + "/recorded-calibrate";
  ASSERT_EQ(
      std::system(("printf '#!/bin/sh\\ncat " + std::string(HETSCHED_REPO_DIR) +
                   "/tests/data/calibration-h100-healthy.json\\n' > " + fake +
                   " && chmod +x " + fake)
                      .c_str()),
      0);
  const auto result = RunProcess("CUDA_VISIBLE_DEVICES= OUT=" + dir +
                                 " HETSCHED_CALIBRATE_BIN=" + fake + " bash " +
                                 kScript + " 2>/dev/null");
  EXPECT_EQ(result.exit_code, 1) << result.stdout_text;
  EXPECT_NE(result.stdout_text.find("hetsched-calibrate: status=ok exit=0"),
            std::string::npos)
      << result.stdout_text;
  EXPECT_NE(result.stdout_text.find("bf16 GEMM 8192^3      | 760.0 TFLOP/s"),
            std::string::npos)
      << result.stdout_text;
  EXPECT_NE(result.stdout_text.find("D2D copy (read+write) | 2950.0 GB/s"),
            std::string::npos);
  EXPECT_NE(result.stdout_text.find("DEVICE CHECK FAIL"), std::string::npos);
}

}  // namespace
}  // namespace hetsched::calibrate
