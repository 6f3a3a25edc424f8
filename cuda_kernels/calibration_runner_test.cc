#include "cuda_kernels/calibration_runner.h"

#include <algorithm>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace hetsched::calibrate {
namespace {

// A backend whose every measurement takes `cost_s` of fake time and passes
// verification unless told otherwise.
class FakeBackend final : public CalibrationBackend {
 public:
  explicit FakeBackend(double* now) : now_(now) {}

  double cost_s = 1.0;
  int cc_major = 9;
  int cc_minor = 0;
  bool gemm_verified = true;
  Status gemm_error;
  std::vector<std::string> calls;
  NcclParams last_nccl;

  Status Probe(DeviceProbe*) override { return OkStatus(); }
  Status DescribeDevice(int device, DeviceReport* report) override {
    report->name = "Fake GPU " + std::to_string(device);
    report->compute_capability_major = cc_major;
    report->compute_capability_minor = cc_minor;
    return OkStatus();
  }
  Status RunGemm(int device, GemmDtype dtype, const GemmParams& params,
                 GemmResult* result) override {
    Spend("gemm:" + std::string(GemmDtypeName(dtype)) + ":" +
          std::to_string(device));
    if (!gemm_error.ok()) return gemm_error;
    result->dtype = GemmDtypeName(dtype);
    result->m = result->n = result->k = params.size;
    result->verified = gemm_verified;
    return OkStatus();
  }
  Status RunMemory(int device, const TransferParams& params,
                   MemoryResult* result) override {
    Spend("memory:" + std::to_string(device));
    result->bytes = params.bytes;
    result->verified = true;
    return OkStatus();
  }
  Status RunHostTransfer(int device, const TransferParams&,
                         HostTransferResult* result) override {
    Spend("host:" + std::to_string(device));
    result->verified = true;
    return OkStatus();
  }
  Status RunPeer(int src, int dst, const TransferParams&,
                 PeerResult* result) override {
    Spend("peer:" + std::to_string(src) + "->" + std::to_string(dst));
    result->verified = true;
    return OkStatus();
  }
  Status RunNccl(const NcclParams& params, NcclReport* report,
                 std::vector<SkippedItem>*) override {
    Spend("nccl");
    last_nccl = params;
    report->ranks = params.multi_process
                        ? params.nranks
                        : static_cast<int>(params.devices.size());
    CollectiveResult c;
    c.collective = Collective::kAllReduce;
    c.verified = true;
    CollectiveSample small;
    small.bytes = 1024;
    small.busbw_gbps = 1.0;
    CollectiveSample large;
    large.bytes = int64_t{1} << 30;
    large.busbw_gbps = 300.0;
    c.samples = {small, large};
    report->collectives.push_back(c);
    return OkStatus();
  }
  Status CreateNcclUniqueId(std::vector<uint8_t>*) override {
    return OkStatus();
  }

 private:
  void Spend(const std::string& call) {
    calls.push_back(call);
    *now_ += cost_s;
  }
  double* now_;
};

class CalibrationRunnerTest : public ::testing::Test {
 protected:
  CalibrationRunnerTest() : backend_(&now_) {
    probe_.device_count = 2;
    probe_.nccl_available = true;
    probe_.nccl_version = 22809;
  }

  Status Run(const std::vector<int>& devices) {
    const SecondsClock clock = [this] { return now_; };
    return RunCalibration(options_, probe_, devices, &backend_, clock,
                          &report_);
  }

  bool Skipped(const std::string& section, const std::string& item) const {
    return std::any_of(report_.skipped.begin(), report_.skipped.end(),
                       [&](const SkippedItem& s) {
                         return s.section == section && s.item == item;
                       });
  }

  double now_ = 1000.0;
  FakeBackend backend_;
  DeviceProbe probe_;
  CalibrateOptions options_;
  CalibrationReport report_;
};

TEST_F(CalibrationRunnerTest, RunsEverySectionInOrder) {
  ASSERT_TRUE(Run({0, 1}).ok());
  EXPECT_EQ(report_.status, ReportStatus::kOk);
  EXPECT_TRUE(report_.verified);
  EXPECT_EQ(backend_.calls.front(), "gemm:bf16:0");
  EXPECT_EQ(backend_.calls.back(), "nccl");
  ASSERT_EQ(report_.devices.size(), 2u);
  EXPECT_EQ(report_.devices[1].index, 1);
  EXPECT_EQ(report_.devices[0].gemm.size(), 4u);
  EXPECT_TRUE(report_.devices[1].memory.has_value());
  EXPECT_TRUE(report_.devices[1].host.has_value());
  ASSERT_EQ(report_.peers.size(), 2u);  // 0->1 and 1->0
  EXPECT_EQ(report_.peers[1].src_device, 1);
  EXPECT_EQ(report_.peers[1].dst_device, 0);
  ASSERT_TRUE(report_.nccl.has_value());
  EXPECT_EQ(report_.nccl->mode, "single_process");
  EXPECT_TRUE(report_.nccl->note.empty());
  EXPECT_EQ(report_.nccl_version, 22809);
  EXPECT_DOUBLE_EQ(report_.elapsed_s,
                   static_cast<double>(backend_.calls.size()));
}

TEST_F(CalibrationRunnerTest, AverageBusBandwidthUsesOnlySizesAboveTheFloor) {
  ASSERT_TRUE(Run({0, 1}).ok());
  EXPECT_DOUBLE_EQ(report_.nccl->collectives[0].avg_busbw_gbps, 300.0);
}

TEST_F(CalibrationRunnerTest, Fp8IsSkippedBelowComputeCapability89) {
  backend_.cc_major = 8;
  backend_.cc_minor = 0;
  ASSERT_TRUE(Run({0}).ok());
  EXPECT_EQ(report_.devices[0].gemm.size(), 3u);
  EXPECT_TRUE(Skipped("gemm", "fp8_e4m3"));
  EXPECT_EQ(report_.status, ReportStatus::kOk);
}

TEST_F(CalibrationRunnerTest, OneDeviceSkipsPeerAndNotesSingleRankNccl) {
  ASSERT_TRUE(Run({0}).ok());
  EXPECT_TRUE(report_.peers.empty());
  EXPECT_TRUE(Skipped("peer", ""));
  ASSERT_TRUE(report_.nccl.has_value());
  EXPECT_EQ(report_.nccl->ranks, 1);
  EXPECT_EQ(report_.nccl->note, kSingleRankNote);
}

TEST_F(CalibrationRunnerTest, TimeBudgetSkipsTheRestAndListsIt) {
  options_.time_budget_s = 2.5;  // each call costs 1 s
  ASSERT_TRUE(Run({0}).ok());
  EXPECT_EQ(report_.devices[0].gemm.size(), 3u);  // bf16, fp16, tf32
  EXPECT_TRUE(Skipped("gemm", "fp8_e4m3"));
  EXPECT_TRUE(Skipped("memory", ""));
  EXPECT_TRUE(Skipped("host", ""));
  EXPECT_TRUE(Skipped("nccl", ""));
  EXPECT_FALSE(report_.nccl.has_value());
  EXPECT_EQ(report_.status, ReportStatus::kOk);
  for (const SkippedItem& s : report_.skipped) {
    if (s.section != "peer") {
      EXPECT_NE(s.reason.find("time budget of 2.5 s"), std::string::npos);
    }
  }
}

TEST_F(CalibrationRunnerTest, NcclGetsTheBudgetThatIsLeft) {
  options_.sections = {Section::kGemm, Section::kNccl};
  options_.time_budget_s = 10;
  ASSERT_TRUE(Run({0}).ok());
  EXPECT_DOUBLE_EQ(backend_.last_nccl.seconds_left, 6.0);  // 4 GEMMs ran
}

TEST_F(CalibrationRunnerTest, VerificationFailureIsAStatusNotAnError) {
  backend_.gemm_verified = false;
  ASSERT_TRUE(Run({0}).ok());
  EXPECT_EQ(report_.status, ReportStatus::kVerificationFailed);
  EXPECT_FALSE(report_.verified);
}

TEST_F(CalibrationRunnerTest, BackendErrorStopsTheRunWithItsMessage) {
  backend_.gemm_error = InternalError("gemm_bench.cc:42: boom");
  const Status s = Run({0});
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(report_.status, ReportStatus::kError);
  EXPECT_NE(report_.error.find("gemm_bench.cc:42: boom"), std::string::npos);
  EXPECT_EQ(backend_.calls.size(), 1u);
  EXPECT_FALSE(report_.verified);
}

TEST_F(CalibrationRunnerTest, WithoutNcclTheSectionIsSkipped) {
  probe_.nccl_available = false;
  ASSERT_TRUE(Run({0}).ok());
  EXPECT_FALSE(report_.nccl.has_value());
  ASSERT_FALSE(report_.skipped.empty());
  EXPECT_EQ(report_.skipped.back().reason, "built without NCCL");
}

TEST_F(CalibrationRunnerTest, MultiProcessRunsOnlyNcclWithTheDecodedId) {
  options_.nccl_unique_id_hex = std::string(256, 'f');
  options_.rank = 3;
  options_.nranks = 4;
  ASSERT_TRUE(Run({0}).ok());
  EXPECT_EQ(backend_.calls, (std::vector<std::string>{"nccl"}));
  EXPECT_TRUE(backend_.last_nccl.multi_process);
  EXPECT_EQ(backend_.last_nccl.unique_id.size(), 128u);
  EXPECT_EQ(backend_.last_nccl.unique_id[0], 0xff);
  EXPECT_EQ(backend_.last_nccl.rank, 3);
  EXPECT_EQ(report_.nccl->mode, "multi_process");
  EXPECT_EQ(report_.nccl->ranks, 4);
  EXPECT_EQ(report_.config.sections, (std::vector<std::string>{"nccl"}));
}

TEST(ResolveDevicesTest, DefaultsToEveryVisibleDevice) {
  CalibrateOptions o;
  std::vector<int> devices;
  ASSERT_TRUE(ResolveDevices(o, 3, &devices).ok());
  EXPECT_EQ(devices, (std::vector<int>{0, 1, 2}));
}

TEST(ResolveDevicesTest, RejectsInvisibleDevicesNamingTheFlag) {
  CalibrateOptions o;
  o.devices = {0, 4};
  std::vector<int> devices;
  const Status s = ResolveDevices(o, 2, &devices);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message().rfind("--devices", 0), 0u);
}

TEST(ResolveDevicesTest, MultiProcessUsesOneDevice) {
  CalibrateOptions o;
  o.nccl_unique_id_hex = std::string(256, '0');
  std::vector<int> devices;
  ASSERT_TRUE(ResolveDevices(o, 8, &devices).ok());
  EXPECT_EQ(devices, (std::vector<int>{0}));
}

}  // namespace
}  // namespace hetsched::calibrate
