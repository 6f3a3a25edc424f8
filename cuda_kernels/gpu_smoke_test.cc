// Runs the real hetsched-calibrate binary with small sizes on a GPU host and
// checks the document: status ok, every check verified, numbers positive.
// Skips with a message on hosts without a GPU.
#include <cmath>
#include <string>

#include "calibration/calibration_report.h"
#include "calibration/calibration_report_parser.h"
#include "cuda_kernels/test_process.h"
#include "gtest/gtest.h"

namespace hetsched::calibrate {
namespace {

using ::hetsched::calibrate::testing::HostHasNvidiaGpu;
using ::hetsched::calibrate::testing::RunProcess;

TEST(GpuSmokeTest, SmallRunIsVerifiedAndPositive) {
  if (!HostHasNvidiaGpu()) {
    GTEST_SKIP() << "no /dev/nvidia0: needs a GPU host";
  }
  const auto result = RunProcess(
      std::string(HETSCHED_CALIBRATE_BIN) +
      " --gemm-size 1024 --iterations 3 --warmup-iterations 1"
      " --memory-bytes 64M --host-bytes 16M --peer-bytes 16M"
      " --max-bytes 4M --avg-busbw-min-bytes 1M --time-budget-s 120");
  ASSERT_EQ(result.exit_code, kExitOk) << result.stdout_text;
  CalibrationReport report;
  const Status s = ParseCalibrationReport(result.stdout_text, &report);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(report.status, ReportStatus::kOk);
  EXPECT_TRUE(report.verified);
  ASSERT_FALSE(report.devices.empty());
  for (const DeviceReport& d : report.devices) {
    EXPECT_FALSE(d.name.empty());
    EXPECT_GE(d.gemm.size(), 3u);
    for (const GemmResult& g : d.gemm) {
      EXPECT_TRUE(g.verified) << g.dtype;
      EXPECT_GT(g.tflops, 0.0) << g.dtype;
    }
    ASSERT_TRUE(d.memory.has_value());
    EXPECT_GT(d.memory->copy_gbps, 0.0);
    EXPECT_GT(d.memory->triad_gbps, 0.0);
    ASSERT_TRUE(d.host.has_value());
    EXPECT_GT(d.host->h2d_gbps, 0.0);
  }
  if (report.nccl_available) {
    ASSERT_TRUE(report.nccl.has_value());
    EXPECT_EQ(report.nccl->collectives.size(), 3u);
    for (const CollectiveResult& c : report.nccl->collectives) {
      EXPECT_TRUE(c.verified) << CollectiveName(c.collective);
      EXPECT_FALSE(c.samples.empty());
    }
  }
}

}  // namespace
}  // namespace hetsched::calibrate
