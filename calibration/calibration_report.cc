// Calibration report structs: status names, exit codes and JSON output.
#include "calibration/calibration_report.h"

#include <cmath>

#include "calibration/enum_names.h"
#include "calibration/json_writer.h"

namespace hetsched::calibrate {
namespace {

void WriteGemm(const GemmResult& g, JsonWriter* w) {
  w->BeginObject();
  w->Key("dtype");
  w->String(g.dtype);
  w->Key("m");
  w->Int(g.m);
  w->Key("n");
  w->Int(g.n);
  w->Key("k");
  w->Int(g.k);
  w->Key("tflops");
  w->Double(g.tflops);
  w->Key("median_time_ms");
  w->Double(g.median_time_ms);
  w->Key("algorithms_tried");
  w->Int(g.algorithms_tried);
  w->Key("verified");
  w->Bool(g.verified);
  w->Key("samples_checked");
  w->Int(g.samples_checked);
  w->Key("max_abs_error");
  w->Double(g.max_abs_error);
  w->EndObject();
}

void WriteMemory(const std::optional<MemoryResult>& m, JsonWriter* w) {
  if (!m) {
    w->Null();
    return;
  }
  w->BeginObject();
  w->Key("bytes");
  w->Int(m->bytes);
  w->Key("copy_gbps");
  w->Double(m->copy_gbps);
  w->Key("triad_gbps");
  w->Double(m->triad_gbps);
  w->Key("verified");
  w->Bool(m->verified);
  w->EndObject();
}

void WriteHost(const std::optional<HostTransferResult>& h, JsonWriter* w) {
  if (!h) {
    w->Null();
    return;
  }
  w->BeginObject();
  w->Key("bytes");
  w->Int(h->bytes);
  w->Key("h2d_gbps");
  w->Double(h->h2d_gbps);
  w->Key("d2h_gbps");
  w->Double(h->d2h_gbps);
  w->Key("verified");
  w->Bool(h->verified);
  w->EndObject();
}

void WriteDevice(const DeviceReport& d, JsonWriter* w) {
  w->BeginObject();
  w->Key("index");
  w->Int(d.index);
  w->Key("name");
  w->String(d.name);
  w->Key("uuid");
  w->String(d.uuid);
  w->Key("pci_bus_id");
  w->String(d.pci_bus_id);
  w->Key("compute_capability_major");
  w->Int(d.compute_capability_major);
  w->Key("compute_capability_minor");
  w->Int(d.compute_capability_minor);
  w->Key("total_memory_bytes");
  w->Int(d.total_memory_bytes);
  w->Key("multiprocessor_count");
  w->Int(d.multiprocessor_count);
  w->Key("gemm");
  w->BeginArray();
  for (const GemmResult& g : d.gemm) WriteGemm(g, w);
  w->EndArray();
  w->Key("memory");
  WriteMemory(d.memory, w);
  w->Key("host");
  WriteHost(d.host, w);
  w->EndObject();
}

void WritePeer(const PeerResult& p, JsonWriter* w) {
  w->BeginObject();
  w->Key("src_device");
  w->Int(p.src_device);
  w->Key("dst_device");
  w->Int(p.dst_device);
  w->Key("peer_access");
  w->Bool(p.peer_access);
  w->Key("bytes");
  w->Int(p.bytes);
  w->Key("gbps");
  w->Double(p.gbps);
  w->Key("verified");
  w->Bool(p.verified);
  w->EndObject();
}

void WriteCollective(const CollectiveResult& c, JsonWriter* w) {
  w->BeginObject();
  w->Key("collective");
  w->String(CollectiveName(c.collective));
  w->Key("avg_busbw_gbps");
  w->Double(c.avg_busbw_gbps);
  w->Key("verified");
  w->Bool(c.verified);
  w->Key("samples");
  w->BeginArray();
  for (const CollectiveSample& s : c.samples) {
    w->BeginObject();
    w->Key("bytes");
    w->Int(s.bytes);
    w->Key("count");
    w->Int(s.count);
    w->Key("time_us");
    w->Double(s.time_us);
    w->Key("algbw_gbps");
    w->Double(s.algbw_gbps);
    w->Key("busbw_gbps");
    w->Double(s.busbw_gbps);
    w->Key("verified");
    w->Bool(s.verified);
    w->EndObject();
  }
  w->EndArray();
  w->EndObject();
}

void WriteNccl(const std::optional<NcclReport>& n, JsonWriter* w) {
  if (!n) {
    w->Null();
    return;
  }
  w->BeginObject();
  w->Key("mode");
  w->String(n->mode);
  w->Key("ranks");
  w->Int(n->ranks);
  w->Key("first_rank");
  w->Int(n->first_rank);
  w->Key("devices");
  w->BeginArray();
  for (int device : n->devices) w->Int(device);
  w->EndArray();
  w->Key("avg_busbw_min_bytes");
  w->Int(n->avg_busbw_min_bytes);
  if (!n->note.empty()) {
    w->Key("note");
    w->String(n->note);
  }
  w->Key("collectives");
  w->BeginArray();
  for (const CollectiveResult& c : n->collectives) WriteCollective(c, w);
  w->EndArray();
  w->EndObject();
}

void WriteConfig(const RunConfig& c, JsonWriter* w) {
  w->BeginObject();
  w->Key("sections");
  w->BeginArray();
  for (const std::string& s : c.sections) w->String(s);
  w->EndArray();
  w->Key("gemm_size");
  w->Int(c.gemm_size);
  w->Key("iterations");
  w->Int(c.iterations);
  w->Key("warmup_iterations");
  w->Int(c.warmup_iterations);
  w->Key("memory_bytes");
  w->Int(c.memory_bytes);
  w->Key("host_bytes");
  w->Int(c.host_bytes);
  w->Key("peer_bytes");
  w->Int(c.peer_bytes);
  w->Key("min_bytes");
  w->Int(c.min_bytes);
  w->Key("max_bytes");
  w->Int(c.max_bytes);
  w->Key("step_factor");
  w->Int(c.step_factor);
  w->Key("time_budget_s");
  w->Double(c.time_budget_s);
  w->EndObject();
}

void WriteSkipped(const SkippedItem& s, JsonWriter* w) {
  w->BeginObject();
  w->Key("section");
  w->String(s.section);
  if (!s.item.empty()) {
    w->Key("item");
    w->String(s.item);
  }
  if (s.device >= 0) {
    w->Key("device");
    w->Int(s.device);
  }
  w->Key("reason");
  w->String(s.reason);
  w->EndObject();
}

}  // namespace

const char* ReportStatusName(ReportStatus status) {
  switch (status) {
    case ReportStatus::kOk:
      return "ok";
    case ReportStatus::kNoCudaDevice:
      return "no_cuda_device";
    case ReportStatus::kError:
      return "error";
    case ReportStatus::kVerificationFailed:
      return "verification_failed";
  }
  return "error";
}

bool ParseReportStatus(std::string_view name, ReportStatus* status) {
  static constexpr ReportStatus kAll[] = {
      ReportStatus::kOk, ReportStatus::kNoCudaDevice, ReportStatus::kError,
      ReportStatus::kVerificationFailed};
  return ParseEnumName(name, kAll, ReportStatusName, status);
}

int ExitCodeFor(ReportStatus status) {
  switch (status) {
    case ReportStatus::kOk:
      return kExitOk;
    case ReportStatus::kNoCudaDevice:
      return kExitNoCudaDevice;
    case ReportStatus::kError:
      return kExitError;
    case ReportStatus::kVerificationFailed:
      return kExitVerificationFailed;
  }
  return kExitError;
}

double AverageBusBandwidthGbps(const std::vector<CollectiveSample>& samples,
                               int64_t min_bytes) {
  double sum = 0.0;
  int count = 0;
  for (const CollectiveSample& s : samples) {
    if (s.bytes < min_bytes || std::isnan(s.busbw_gbps)) continue;
    sum += s.busbw_gbps;
    ++count;
  }
  return count == 0 ? kNotMeasured : sum / count;
}

std::string CalibrationReportToJson(const CalibrationReport& report) {
  JsonWriter w;
  w.BeginObject();
  w.Key("schema_version");
  w.Int(report.schema_version);
  w.Key("status");
  w.String(ReportStatusName(report.status));
  if (report.status == ReportStatus::kNoCudaDevice) {
    w.Key("reason");
    w.String(report.reason);
    w.EndObject();
    return w.str() + "\n";
  }
  if (report.status == ReportStatus::kError) {
    w.Key("error");
    w.String(report.error);
  }
  w.Key("tool");
  w.String("hetsched-calibrate");
  w.Key("tool_version");
  w.String(report.tool_version);
  w.Key("hostname");
  w.String(report.hostname);
  w.Key("started_at_unix_s");
  w.Int(report.started_at_unix_s);
  w.Key("elapsed_s");
  w.Double(report.elapsed_s);
  w.Key("cuda_runtime_version");
  w.Int(report.cuda_runtime_version);
  w.Key("cuda_driver_version");
  w.Int(report.cuda_driver_version);
  w.Key("cublaslt_version");
  w.Int(report.cublaslt_version);
  w.Key("nccl_available");
  w.Bool(report.nccl_available);
  w.Key("nccl_version");
  w.Int(report.nccl_version);
  w.Key("verified");
  w.Bool(report.verified);
  w.Key("config");
  WriteConfig(report.config, &w);
  w.Key("devices");
  w.BeginArray();
  for (const DeviceReport& d : report.devices) WriteDevice(d, &w);
  w.EndArray();
  w.Key("peers");
  w.BeginArray();
  for (const PeerResult& p : report.peers) WritePeer(p, &w);
  w.EndArray();
  w.Key("nccl");
  WriteNccl(report.nccl, &w);
  w.Key("skipped");
  w.BeginArray();
  for (const SkippedItem& s : report.skipped) WriteSkipped(s, &w);
  w.EndArray();
  w.EndObject();
  return w.str() + "\n";
}

}  // namespace hetsched::calibrate
