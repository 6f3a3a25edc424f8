#include "calibration/calibration_report.h"

#include <cmath>
#include <string>

#include "calibration/calibration_report_parser.h"
#include "calibration/json_reader.h"
#include "gtest/gtest.h"

namespace hetsched::calibrate {
namespace {

CalibrationReport SampleReport() {
  CalibrationReport r;
  r.status = ReportStatus::kOk;
  r.tool_version = "0.1.0";
  r.hostname = "gpu-node-\"7\"";
  r.started_at_unix_s = 1767225600;
  r.elapsed_s = 42.25;
  r.cuda_runtime_version = 13000;
  r.cuda_driver_version = 13000;
  r.cublaslt_version = 130100;
  r.nccl_available = true;
  r.nccl_version = 22809;
  r.verified = true;
  r.config.sections = {"gemm", "nccl"};
  r.config.gemm_size = 8192;
  r.config.iterations = 20;
  r.config.warmup_iterations = 5;
  r.config.memory_bytes = int64_t{4} << 30;
  r.config.min_bytes = 8;
  r.config.max_bytes = int64_t{1} << 30;
  r.config.step_factor = 2;
  r.config.time_budget_s = 100;

  DeviceReport d;
  d.index = 0;
  d.name = "NVIDIA H200";
  d.uuid = "GPU-01234567-89ab-cdef-0123-456789abcdef";
  d.pci_bus_id = "0000:18:00.0";
  d.compute_capability_major = 9;
  d.compute_capability_minor = 0;
  d.total_memory_bytes = 150000000000;
  d.multiprocessor_count = 132;
  GemmResult g;
  g.dtype = "bf16";
  g.m = g.n = g.k = 8192;
  g.tflops = 801.5;
  g.median_time_ms = 1.372;
  g.algorithms_tried = 8;
  g.verified = true;
  g.samples_checked = 64;
  g.max_abs_error = 0;
  d.gemm.push_back(g);
  GemmResult unmeasured;  // NaNs must survive as null
  unmeasured.dtype = "fp8_e4m3";
  d.gemm.push_back(unmeasured);
  d.memory = MemoryResult{int64_t{4} << 30, 4300.5, 4100.25, true};
  d.host = HostTransferResult{int64_t{256} << 20, 55.1, 53.9, true};
  r.devices.push_back(d);

  r.peers.push_back(PeerResult{0, 1, true, int64_t{256} << 20, 380.0, true});

  NcclReport n;
  n.mode = "single_process";
  n.ranks = 8;
  n.first_rank = 0;
  n.devices = {0, 1, 2, 3, 4, 5, 6, 7};
  n.avg_busbw_min_bytes = int64_t{64} << 20;
  CollectiveResult c;
  c.collective = Collective::kReduceScatter;
  c.verified = true;
  c.avg_busbw_gbps = 470.0;
  c.samples.push_back(
      CollectiveSample{1 << 20, 262144, 25.5, 41.1, 36.0, true});
  n.collectives.push_back(c);
  r.nccl = n;

  r.skipped.push_back(SkippedItem{"gemm", "fp8_e4m3", 1, "needs 8.9"});
  r.skipped.push_back(SkippedItem{"peer", "", -1, "time budget exceeded"});
  return r;
}

TEST(CalibrationReportTest, RoundTripsThroughJson) {
  const CalibrationReport original = SampleReport();
  const std::string json = CalibrationReportToJson(original);
  CalibrationReport r;
  const Status s = ParseCalibrationReport(json, &r);
  ASSERT_TRUE(s.ok()) << s.ToString() << "\n" << json;

  EXPECT_EQ(r.schema_version, 1);
  EXPECT_EQ(r.status, ReportStatus::kOk);
  EXPECT_EQ(r.hostname, original.hostname);
  EXPECT_EQ(r.started_at_unix_s, 1767225600);
  EXPECT_DOUBLE_EQ(r.elapsed_s, 42.25);
  EXPECT_EQ(r.cublaslt_version, 130100);
  EXPECT_TRUE(r.nccl_available);
  EXPECT_EQ(r.nccl_version, 22809);
  EXPECT_TRUE(r.verified);
  EXPECT_EQ(r.config.sections, original.config.sections);
  EXPECT_EQ(r.config.memory_bytes, int64_t{4} << 30);
  EXPECT_DOUBLE_EQ(r.config.time_budget_s, 100);

  ASSERT_EQ(r.devices.size(), 1u);
  const DeviceReport& d = r.devices[0];
  EXPECT_EQ(d.name, "NVIDIA H200");
  EXPECT_EQ(d.uuid, original.devices[0].uuid);
  EXPECT_EQ(d.pci_bus_id, "0000:18:00.0");
  EXPECT_EQ(d.compute_capability_major, 9);
  EXPECT_EQ(d.total_memory_bytes, 150000000000);
  EXPECT_EQ(d.multiprocessor_count, 132);
  ASSERT_EQ(d.gemm.size(), 2u);
  EXPECT_EQ(d.gemm[0].dtype, "bf16");
  EXPECT_EQ(d.gemm[0].k, 8192);
  EXPECT_DOUBLE_EQ(d.gemm[0].tflops, 801.5);
  EXPECT_DOUBLE_EQ(d.gemm[0].median_time_ms, 1.372);
  EXPECT_EQ(d.gemm[0].algorithms_tried, 8);
  EXPECT_TRUE(d.gemm[0].verified);
  EXPECT_EQ(d.gemm[0].samples_checked, 64);
  EXPECT_TRUE(std::isnan(d.gemm[1].tflops));
  EXPECT_FALSE(d.gemm[1].verified);
  ASSERT_TRUE(d.memory.has_value());
  EXPECT_DOUBLE_EQ(d.memory->copy_gbps, 4300.5);
  EXPECT_DOUBLE_EQ(d.memory->triad_gbps, 4100.25);
  ASSERT_TRUE(d.host.has_value());
  EXPECT_DOUBLE_EQ(d.host->d2h_gbps, 53.9);

  ASSERT_EQ(r.peers.size(), 1u);
  EXPECT_EQ(r.peers[0].dst_device, 1);
  EXPECT_TRUE(r.peers[0].peer_access);
  EXPECT_DOUBLE_EQ(r.peers[0].gbps, 380.0);

  ASSERT_TRUE(r.nccl.has_value());
  EXPECT_EQ(r.nccl->mode, "single_process");
  EXPECT_EQ(r.nccl->ranks, 8);
  EXPECT_EQ(r.nccl->devices.size(), 8u);
  EXPECT_EQ(r.nccl->avg_busbw_min_bytes, int64_t{64} << 20);
  EXPECT_TRUE(r.nccl->note.empty());
  ASSERT_EQ(r.nccl->collectives.size(), 1u);
  const CollectiveResult& c = r.nccl->collectives[0];
  EXPECT_EQ(c.collective, Collective::kReduceScatter);
  EXPECT_DOUBLE_EQ(c.avg_busbw_gbps, 470.0);
  ASSERT_EQ(c.samples.size(), 1u);
  EXPECT_EQ(c.samples[0].bytes, 1 << 20);
  EXPECT_EQ(c.samples[0].count, 262144);
  EXPECT_DOUBLE_EQ(c.samples[0].time_us, 25.5);
  EXPECT_DOUBLE_EQ(c.samples[0].busbw_gbps, 36.0);

  ASSERT_EQ(r.skipped.size(), 2u);
  EXPECT_EQ(r.skipped[0].item, "fp8_e4m3");
  EXPECT_EQ(r.skipped[0].device, 1);
  EXPECT_EQ(r.skipped[1].item, "");
  EXPECT_EQ(r.skipped[1].device, -1);
}

TEST(CalibrationReportTest, DocumentNamesUnitsInFieldNames) {
  const std::string json = CalibrationReportToJson(SampleReport());
  JsonValue root;
  ASSERT_TRUE(ParseJson(json, &root).ok());
  const JsonValue* gemm = root.Find("devices")->array_items()[0].Find("gemm");
  EXPECT_DOUBLE_EQ(gemm->array_items()[0].Find("tflops")->number_value(),
                   801.5);
  EXPECT_TRUE(gemm->array_items()[1].Find("tflops")->is_null());
  EXPECT_EQ(root.Find("tool")->string_value(), "hetsched-calibrate");
  EXPECT_EQ(root.Find("error"), nullptr);  // only when status is error
}

TEST(CalibrationReportTest, NoDeviceReportHasExactlyThreeMembers) {
  CalibrationReport r;
  r.status = ReportStatus::kNoCudaDevice;
  r.reason = "no CUDA-capable device is detected (cudaErrorNoDevice = 100)";
  JsonValue root;
  ASSERT_TRUE(ParseJson(CalibrationReportToJson(r), &root).ok());
  ASSERT_EQ(root.object_members().size(), 3u);
  EXPECT_EQ(root.Find("schema_version")->number_value(), 1);
  EXPECT_EQ(root.Find("status")->string_value(), "no_cuda_device");
  EXPECT_EQ(root.Find("reason")->string_value(), r.reason);

  CalibrationReport back;
  ASSERT_TRUE(ParseCalibrationReport(CalibrationReportToJson(r), &back).ok());
  EXPECT_EQ(back.status, ReportStatus::kNoCudaDevice);
  EXPECT_EQ(back.reason, r.reason);
  EXPECT_TRUE(back.devices.empty());
}

TEST(CalibrationReportTest, ErrorReportCarriesTheMessage) {
  CalibrationReport r;
  r.status = ReportStatus::kError;
  r.error = "INTERNAL: gemm_bench.cc:120: cublasLtMatmul(...): failed";
  CalibrationReport back;
  ASSERT_TRUE(ParseCalibrationReport(CalibrationReportToJson(r), &back).ok());
  EXPECT_EQ(back.status, ReportStatus::kError);
  EXPECT_EQ(back.error, r.error);
}

TEST(CalibrationReportTest, ExitCodesAreDistinct) {
  EXPECT_EQ(ExitCodeFor(ReportStatus::kOk), 0);
  EXPECT_EQ(ExitCodeFor(ReportStatus::kError), 1);
  EXPECT_EQ(ExitCodeFor(ReportStatus::kNoCudaDevice), 3);
  EXPECT_EQ(ExitCodeFor(ReportStatus::kVerificationFailed), 4);
  EXPECT_EQ(kExitBadFlags, 2);
}

TEST(CalibrationReportTest, AverageBusBandwidthCountsOnlyLargeSizes) {
  std::vector<CollectiveSample> samples(3);
  samples[0].bytes = 1 << 20;
  samples[0].busbw_gbps = 10;
  samples[1].bytes = 64 << 20;
  samples[1].busbw_gbps = 400;
  samples[2].bytes = 128 << 20;
  samples[2].busbw_gbps = 500;
  EXPECT_DOUBLE_EQ(AverageBusBandwidthGbps(samples, 64 << 20), 450.0);
  EXPECT_TRUE(std::isnan(AverageBusBandwidthGbps(samples, 1 << 30)));
}

TEST(CalibrationReportParserTest, RejectsOtherSchemaVersions) {
  CalibrationReport r;
  const Status s =
      ParseCalibrationReport(R"({"schema_version": 2, "status": "ok"})", &r);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
}

TEST(CalibrationReportParserTest, RequiresSchemaVersionAndStatus) {
  CalibrationReport r;
  EXPECT_FALSE(ParseCalibrationReport(R"({"status": "ok"})", &r).ok());
  EXPECT_FALSE(ParseCalibrationReport(R"({"schema_version": 1})", &r).ok());
  EXPECT_FALSE(
      ParseCalibrationReport(R"({"schema_version": 1, "status": "meh"})", &r)
          .ok());
  EXPECT_FALSE(ParseCalibrationReport("[]", &r).ok());
  EXPECT_FALSE(ParseCalibrationReport("not json", &r).ok());
}

TEST(CalibrationReportParserTest, WrongTypesNameTheMember) {
  CalibrationReport r;
  const Status s = ParseCalibrationReport(
      R"({"schema_version": 1, "status": "ok",
          "devices": [{"index": 0, "gemm": [{"tflops": "fast"}]}]})",
      &r);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("devices[0].gemm[0].tflops"), std::string::npos)
      << s.message();
  const Status fractional = ParseCalibrationReport(
      R"({"schema_version": 1, "status": "ok", "nccl_version": 2.5})", &r);
  EXPECT_NE(fractional.message().find("nccl_version"), std::string::npos);
}

TEST(CalibrationReportParserTest, IgnoresUnknownMembersAndKeepsDefaults) {
  CalibrationReport r;
  ASSERT_TRUE(ParseCalibrationReport(
                  R"({"schema_version": 1, "status": "verification_failed",
                      "future_field": {"x": [1, 2]}, "devices": [{}]})",
                  &r)
                  .ok());
  EXPECT_EQ(r.status, ReportStatus::kVerificationFailed);
  ASSERT_EQ(r.devices.size(), 1u);
  EXPECT_FALSE(r.devices[0].memory.has_value());
  EXPECT_FALSE(r.nccl.has_value());
  EXPECT_TRUE(std::isnan(r.elapsed_s));
}

}  // namespace
}  // namespace hetsched::calibrate
