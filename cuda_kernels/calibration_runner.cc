// Runs the calibration sections within a time budget.
#include "cuda_kernels/calibration_runner.h"

#include <algorithm>
#include <cstdio>
#include <string>

#include "cuda_kernels/hex.h"

namespace hetsched::calibrate {
namespace {

std::string FormatSeconds(double seconds) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%g", seconds);
  return buffer;
}

class Run {
 public:
  Run(const CalibrateOptions& options, const DeviceProbe& probe,
      const std::vector<int>& devices, CalibrationBackend* backend,
      const SecondsClock& now, CalibrationReport* report)
      : options_(options),
        probe_(probe),
        devices_(devices),
        backend_(backend),
        now_(now),
        report_(report),
        start_(now()) {}

  Status Execute() {
    for (int device : devices_) {
      DeviceReport d;
      HETSCHED_CAL_RETURN_IF_ERROR(backend_->DescribeDevice(device, &d));
      d.index = device;
      report_->devices.push_back(std::move(d));
    }
    for (Section section : Sections()) {
      if (SkippedForBudget(section, "", -1)) continue;
      switch (section) {
        case Section::kGemm:
          HETSCHED_CAL_RETURN_IF_ERROR(RunGemm());
          break;
        case Section::kMemory:
          HETSCHED_CAL_RETURN_IF_ERROR(RunMemory());
          break;
        case Section::kHost:
          HETSCHED_CAL_RETURN_IF_ERROR(RunHost());
          break;
        case Section::kPeer:
          HETSCHED_CAL_RETURN_IF_ERROR(RunPeer());
          break;
        case Section::kNccl:
          HETSCHED_CAL_RETURN_IF_ERROR(RunNccl());
          break;
      }
    }
    return OkStatus();
  }

  double Elapsed() const { return now_() - start_; }

 private:
  std::vector<Section> Sections() const {
    if (options_.multi_process()) return {Section::kNccl};
    return options_.sections;
  }

  bool OutOfTime() const { return Elapsed() >= options_.time_budget_s; }

  std::string BudgetReason() const {
    return "time budget of " + FormatSeconds(options_.time_budget_s) +
           " s exceeded";
  }

  // Records `item` as skipped when the budget is spent; true if it was.
  bool SkippedForBudget(Section section, const std::string& item, int device) {
    if (!OutOfTime()) return false;
    Skip(section, item, device, BudgetReason());
    return true;
  }

  void Skip(Section section, std::string item, int device, std::string reason) {
    report_->skipped.push_back(SkippedItem{
        SectionName(section), std::move(item), device, std::move(reason)});
  }

  TransferParams Transfer(int64_t bytes) const {
    TransferParams p;
    p.bytes = bytes;
    p.iterations = options_.iterations;
    p.warmup_iterations = options_.warmup_iterations;
    return p;
  }

  Status RunGemm() {
    GemmParams params;
    params.size = options_.gemm_size;
    params.iterations = options_.iterations;
    params.warmup_iterations = options_.warmup_iterations;
    for (DeviceReport& d : report_->devices) {
      for (GemmDtype dtype : AllGemmDtypes()) {
        if (!GemmDtypeSupported(dtype, d.compute_capability_major,
                                d.compute_capability_minor)) {
          Skip(Section::kGemm, GemmDtypeName(dtype), d.index,
               std::string("needs compute capability >= ") +
                   GemmDtypeMinComputeCapability(dtype) + ", device has " +
                   std::to_string(d.compute_capability_major) + "." +
                   std::to_string(d.compute_capability_minor));
          continue;
        }
        if (SkippedForBudget(Section::kGemm, GemmDtypeName(dtype), d.index))
          continue;
        GemmResult result;
        HETSCHED_CAL_RETURN_IF_ERROR(
            backend_->RunGemm(d.index, dtype, params, &result));
        d.gemm.push_back(std::move(result));
      }
    }
    return OkStatus();
  }

  Status RunMemory() {
    for (DeviceReport& d : report_->devices) {
      if (SkippedForBudget(Section::kMemory, "", d.index)) continue;
      MemoryResult result;
      HETSCHED_CAL_RETURN_IF_ERROR(backend_->RunMemory(
          d.index, Transfer(options_.memory_bytes), &result));
      d.memory = result;
    }
    return OkStatus();
  }

  Status RunHost() {
    for (DeviceReport& d : report_->devices) {
      if (SkippedForBudget(Section::kHost, "", d.index)) continue;
      HostTransferResult result;
      HETSCHED_CAL_RETURN_IF_ERROR(backend_->RunHostTransfer(
          d.index, Transfer(options_.host_bytes), &result));
      d.host = result;
    }
    return OkStatus();
  }

  Status RunPeer() {
    if (devices_.size() < 2) {
      Skip(Section::kPeer, "", -1,
           "needs at least two devices; " + std::to_string(devices_.size()) +
               " selected");
      return OkStatus();
    }
    for (int src : devices_) {
      for (int dst : devices_) {
        if (src == dst) continue;
        if (SkippedForBudget(Section::kPeer,
                             std::to_string(src) + "->" + std::to_string(dst),
                             src))
          continue;
        PeerResult result;
        HETSCHED_CAL_RETURN_IF_ERROR(backend_->RunPeer(
            src, dst, Transfer(options_.peer_bytes), &result));
        result.src_device = src;
        result.dst_device = dst;
        report_->peers.push_back(result);
      }
    }
    return OkStatus();
  }

  Status RunNccl() {
    if (!probe_.nccl_available) {
      Skip(Section::kNccl, "", -1, "built without NCCL");
      return OkStatus();
    }
    NcclParams params;
    params.devices = devices_;
    params.multi_process = options_.multi_process();
    if (params.multi_process) {
      if (!HexDecode(options_.nccl_unique_id_hex, &params.unique_id)) {
        return InvalidArgumentError("--nccl-unique-id: not hex");
      }
      params.rank = options_.rank;
      params.nranks = options_.nranks;
    }
    params.min_bytes = options_.min_bytes;
    params.max_bytes = options_.max_bytes;
    params.step_factor = options_.step_factor;
    params.iterations = options_.iterations;
    params.warmup_iterations = options_.warmup_iterations;
    params.avg_busbw_min_bytes = options_.avg_busbw_min_bytes;
    params.seconds_left = options_.time_budget_s - Elapsed();
    NcclReport nccl;
    HETSCHED_CAL_RETURN_IF_ERROR(
        backend_->RunNccl(params, &nccl, &report_->skipped));
    nccl.mode = params.multi_process ? "multi_process" : "single_process";
    nccl.avg_busbw_min_bytes = options_.avg_busbw_min_bytes;
    for (CollectiveResult& c : nccl.collectives) {
      c.avg_busbw_gbps =
          AverageBusBandwidthGbps(c.samples, options_.avg_busbw_min_bytes);
    }
    if (nccl.ranks == 1) nccl.note = kSingleRankNote;
    report_->nccl = std::move(nccl);
    return OkStatus();
  }

  const CalibrateOptions& options_;
  const DeviceProbe& probe_;
  const std::vector<int>& devices_;
  CalibrationBackend* backend_;
  const SecondsClock& now_;
  CalibrationReport* report_;
  double start_;
};

RunConfig ConfigOf(const CalibrateOptions& o) {
  RunConfig c;
  if (o.multi_process()) {
    c.sections.emplace_back(SectionName(Section::kNccl));
  } else {
    for (Section s : o.sections) c.sections.emplace_back(SectionName(s));
  }
  c.gemm_size = o.gemm_size;
  c.iterations = o.iterations;
  c.warmup_iterations = o.warmup_iterations;
  c.memory_bytes = o.memory_bytes;
  c.host_bytes = o.host_bytes;
  c.peer_bytes = o.peer_bytes;
  c.min_bytes = o.min_bytes;
  c.max_bytes = o.max_bytes;
  c.step_factor = o.step_factor;
  c.time_budget_s = o.time_budget_s;
  return c;
}

}  // namespace

Status ResolveDevices(const CalibrateOptions& options, int visible,
                      std::vector<int>* devices) {
  std::vector<int> chosen = options.devices;
  if (chosen.empty()) {
    if (options.multi_process()) {
      chosen.push_back(0);
    } else {
      for (int i = 0; i < visible; ++i) chosen.push_back(i);
    }
  }
  const auto invisible = std::find_if(chosen.begin(), chosen.end(),
                                      [&](int d) { return d >= visible; });
  if (invisible != chosen.end()) {
    return InvalidArgumentError("--devices: device " +
                                std::to_string(*invisible) +
                                " is not visible (" + std::to_string(visible) +
                                " visible; CUDA_VISIBLE_DEVICES applies)");
  }
  *devices = std::move(chosen);
  return OkStatus();
}

bool AllVerified(const CalibrationReport& report) {
  const auto verified = [](const auto& result) { return result.verified; };
  const auto device_verified = [&](const DeviceReport& d) {
    return std::all_of(d.gemm.begin(), d.gemm.end(), verified) &&
           (!d.memory || d.memory->verified) && (!d.host || d.host->verified);
  };
  return std::all_of(report.devices.begin(), report.devices.end(),
                     device_verified) &&
         std::all_of(report.peers.begin(), report.peers.end(), verified) &&
         (!report.nccl ||
          std::all_of(report.nccl->collectives.begin(),
                      report.nccl->collectives.end(), verified));
}

Status RunCalibration(const CalibrateOptions& options, const DeviceProbe& probe,
                      const std::vector<int>& devices,
                      CalibrationBackend* backend, const SecondsClock& now,
                      CalibrationReport* report) {
  report->cuda_runtime_version = probe.cuda_runtime_version;
  report->cuda_driver_version = probe.cuda_driver_version;
  report->cublaslt_version = probe.cublaslt_version;
  report->nccl_available = probe.nccl_available;
  report->nccl_version = probe.nccl_version;
  report->config = ConfigOf(options);
  Run run(options, probe, devices, backend, now, report);
  Status status = run.Execute();
  report->elapsed_s = run.Elapsed();
  report->verified = status.ok() && AllVerified(*report);
  if (!status.ok()) {
    report->status = ReportStatus::kError;
    report->error = status.message();
  } else {
    report->status = report->verified ? ReportStatus::kOk
                                      : ReportStatus::kVerificationFailed;
  }
  return status;
}

}  // namespace hetsched::calibrate
