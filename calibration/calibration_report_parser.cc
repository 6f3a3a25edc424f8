// Reads hetsched-calibrate JSON documents back into CalibrationReport.
#include "calibration/calibration_report_parser.h"

#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "calibration/json_reader.h"

namespace hetsched::calibrate {
namespace {

// Reads the members of one JSON object; `path` names it in messages.
class Members {
 public:
  Members(const JsonValue& object, std::string path)
      : object_(object), path_(std::move(path)) {}

  const std::string& path() const { return path_; }
  std::string PathOf(const char* key) const {
    return path_.empty() ? key : path_ + "." + key;
  }

  // nullptr when absent or null.
  const JsonValue* Get(const char* key) const {
    const JsonValue* v = object_.Find(key);
    return (v == nullptr || v->is_null()) ? nullptr : v;
  }

  Status Int64(const char* key, int64_t* out) const {
    const JsonValue* v = Get(key);
    if (v == nullptr) return OkStatus();
    const double d = v->is_number() ? v->number_value() : 0.5;
    // Integers up to 2^53 survive a double exactly.
    if (!v->is_number() || d != std::floor(d) || std::fabs(d) > 9.007e15) {
      return InvalidArgumentError(PathOf(key) + ": expected an integer");
    }
    *out = static_cast<int64_t>(d);
    return OkStatus();
  }

  Status Int(const char* key, int* out) const {
    int64_t wide = *out;
    HETSCHED_CAL_RETURN_IF_ERROR(Int64(key, &wide));
    if (wide < std::numeric_limits<int>::min() ||
        wide > std::numeric_limits<int>::max()) {
      return InvalidArgumentError(PathOf(key) + ": integer out of range");
    }
    *out = static_cast<int>(wide);
    return OkStatus();
  }

  Status Double(const char* key, double* out) const {
    const JsonValue* v = object_.Find(key);
    if (v == nullptr) return OkStatus();
    if (v->is_null()) {
      *out = kNotMeasured;
      return OkStatus();
    }
    if (!v->is_number()) {
      return InvalidArgumentError(PathOf(key) + ": expected a number");
    }
    *out = v->number_value();
    return OkStatus();
  }

  Status Bool(const char* key, bool* out) const {
    const JsonValue* v = Get(key);
    if (v == nullptr) return OkStatus();
    if (!v->is_bool()) {
      return InvalidArgumentError(PathOf(key) + ": expected true or false");
    }
    *out = v->bool_value();
    return OkStatus();
  }

  Status String(const char* key, std::string* out) const {
    const JsonValue* v = Get(key);
    if (v == nullptr) return OkStatus();
    if (!v->is_string()) {
      return InvalidArgumentError(PathOf(key) + ": expected a string");
    }
    *out = v->string_value();
    return OkStatus();
  }

  // Calls `read(element, element_path)` for each element of array `key`.
  template <typename Fn>
  Status Array(const char* key, Fn read) const {
    const JsonValue* v = Get(key);
    if (v == nullptr) return OkStatus();
    if (!v->is_array()) {
      return InvalidArgumentError(PathOf(key) + ": expected an array");
    }
    const auto& items = v->array_items();
    for (size_t i = 0; i < items.size(); ++i) {
      HETSCHED_CAL_RETURN_IF_ERROR(
          read(items[i], PathOf(key) + "[" + std::to_string(i) + "]"));
    }
    return OkStatus();
  }

  // The member `key` as an object, or nullptr (absent or null). Sets
  // `status` when it is present but not an object.
  const JsonValue* Object(const char* key, Status* status) const {
    const JsonValue* v = Get(key);
    if (v != nullptr && !v->is_object()) {
      *status = InvalidArgumentError(PathOf(key) + ": expected an object");
      return nullptr;
    }
    return v;
  }

 private:
  const JsonValue& object_;
  std::string path_;
};

Status ExpectObject(const JsonValue& v, const std::string& path) {
  if (!v.is_object())
    return InvalidArgumentError(path + ": expected an object");
  return OkStatus();
}

Status ReadGemm(const JsonValue& v, const std::string& path, GemmResult* g) {
  HETSCHED_CAL_RETURN_IF_ERROR(ExpectObject(v, path));
  Members m(v, path);
  HETSCHED_CAL_RETURN_IF_ERROR(m.String("dtype", &g->dtype));
  HETSCHED_CAL_RETURN_IF_ERROR(m.Int64("m", &g->m));
  HETSCHED_CAL_RETURN_IF_ERROR(m.Int64("n", &g->n));
  HETSCHED_CAL_RETURN_IF_ERROR(m.Int64("k", &g->k));
  HETSCHED_CAL_RETURN_IF_ERROR(m.Double("tflops", &g->tflops));
  HETSCHED_CAL_RETURN_IF_ERROR(m.Double("median_time_ms", &g->median_time_ms));
  HETSCHED_CAL_RETURN_IF_ERROR(m.Int("algorithms_tried", &g->algorithms_tried));
  HETSCHED_CAL_RETURN_IF_ERROR(m.Bool("verified", &g->verified));
  HETSCHED_CAL_RETURN_IF_ERROR(m.Int64("samples_checked", &g->samples_checked));
  return m.Double("max_abs_error", &g->max_abs_error);
}

Status ReadMemory(const JsonValue& v, const std::string& path,
                  MemoryResult* r) {
  Members m(v, path);
  HETSCHED_CAL_RETURN_IF_ERROR(m.Int64("bytes", &r->bytes));
  HETSCHED_CAL_RETURN_IF_ERROR(m.Double("copy_gbps", &r->copy_gbps));
  HETSCHED_CAL_RETURN_IF_ERROR(m.Double("triad_gbps", &r->triad_gbps));
  return m.Bool("verified", &r->verified);
}

Status ReadHost(const JsonValue& v, const std::string& path,
                HostTransferResult* r) {
  Members m(v, path);
  HETSCHED_CAL_RETURN_IF_ERROR(m.Int64("bytes", &r->bytes));
  HETSCHED_CAL_RETURN_IF_ERROR(m.Double("h2d_gbps", &r->h2d_gbps));
  HETSCHED_CAL_RETURN_IF_ERROR(m.Double("d2h_gbps", &r->d2h_gbps));
  return m.Bool("verified", &r->verified);
}

Status ReadDevice(const JsonValue& v, const std::string& path,
                  DeviceReport* d) {
  HETSCHED_CAL_RETURN_IF_ERROR(ExpectObject(v, path));
  Members m(v, path);
  HETSCHED_CAL_RETURN_IF_ERROR(m.Int("index", &d->index));
  HETSCHED_CAL_RETURN_IF_ERROR(m.String("name", &d->name));
  HETSCHED_CAL_RETURN_IF_ERROR(m.String("uuid", &d->uuid));
  HETSCHED_CAL_RETURN_IF_ERROR(m.String("pci_bus_id", &d->pci_bus_id));
  HETSCHED_CAL_RETURN_IF_ERROR(
      m.Int("compute_capability_major", &d->compute_capability_major));
  HETSCHED_CAL_RETURN_IF_ERROR(
      m.Int("compute_capability_minor", &d->compute_capability_minor));
  HETSCHED_CAL_RETURN_IF_ERROR(
      m.Int64("total_memory_bytes", &d->total_memory_bytes));
  HETSCHED_CAL_RETURN_IF_ERROR(
      m.Int("multiprocessor_count", &d->multiprocessor_count));
  HETSCHED_CAL_RETURN_IF_ERROR(
      m.Array("gemm", [d](const JsonValue& item, const std::string& p) {
        GemmResult g;
        HETSCHED_CAL_RETURN_IF_ERROR(ReadGemm(item, p, &g));
        d->gemm.push_back(std::move(g));
        return OkStatus();
      }));
  Status status;
  if (const JsonValue* mem = m.Object("memory", &status)) {
    MemoryResult r;
    HETSCHED_CAL_RETURN_IF_ERROR(ReadMemory(*mem, m.PathOf("memory"), &r));
    d->memory = r;
  }
  HETSCHED_CAL_RETURN_IF_ERROR(status);
  if (const JsonValue* host = m.Object("host", &status)) {
    HostTransferResult r;
    HETSCHED_CAL_RETURN_IF_ERROR(ReadHost(*host, m.PathOf("host"), &r));
    d->host = r;
  }
  return status;
}

Status ReadPeer(const JsonValue& v, const std::string& path, PeerResult* p) {
  HETSCHED_CAL_RETURN_IF_ERROR(ExpectObject(v, path));
  Members m(v, path);
  HETSCHED_CAL_RETURN_IF_ERROR(m.Int("src_device", &p->src_device));
  HETSCHED_CAL_RETURN_IF_ERROR(m.Int("dst_device", &p->dst_device));
  HETSCHED_CAL_RETURN_IF_ERROR(m.Bool("peer_access", &p->peer_access));
  HETSCHED_CAL_RETURN_IF_ERROR(m.Int64("bytes", &p->bytes));
  HETSCHED_CAL_RETURN_IF_ERROR(m.Double("gbps", &p->gbps));
  return m.Bool("verified", &p->verified);
}

Status ReadSample(const JsonValue& v, const std::string& path,
                  CollectiveSample* s) {
  HETSCHED_CAL_RETURN_IF_ERROR(ExpectObject(v, path));
  Members m(v, path);
  HETSCHED_CAL_RETURN_IF_ERROR(m.Int64("bytes", &s->bytes));
  HETSCHED_CAL_RETURN_IF_ERROR(m.Int64("count", &s->count));
  HETSCHED_CAL_RETURN_IF_ERROR(m.Double("time_us", &s->time_us));
  HETSCHED_CAL_RETURN_IF_ERROR(m.Double("algbw_gbps", &s->algbw_gbps));
  HETSCHED_CAL_RETURN_IF_ERROR(m.Double("busbw_gbps", &s->busbw_gbps));
  return m.Bool("verified", &s->verified);
}

Status ReadCollective(const JsonValue& v, const std::string& path,
                      CollectiveResult* c) {
  HETSCHED_CAL_RETURN_IF_ERROR(ExpectObject(v, path));
  Members m(v, path);
  std::string name;
  HETSCHED_CAL_RETURN_IF_ERROR(m.String("collective", &name));
  if (!ParseCollective(name, &c->collective)) {
    return InvalidArgumentError(m.PathOf("collective") +
                                ": unknown collective \"" + name + "\"");
  }
  HETSCHED_CAL_RETURN_IF_ERROR(m.Double("avg_busbw_gbps", &c->avg_busbw_gbps));
  HETSCHED_CAL_RETURN_IF_ERROR(m.Bool("verified", &c->verified));
  return m.Array("samples", [c](const JsonValue& item, const std::string& p) {
    CollectiveSample s;
    HETSCHED_CAL_RETURN_IF_ERROR(ReadSample(item, p, &s));
    c->samples.push_back(s);
    return OkStatus();
  });
}

Status ReadNccl(const JsonValue& v, const std::string& path, NcclReport* n) {
  Members m(v, path);
  HETSCHED_CAL_RETURN_IF_ERROR(m.String("mode", &n->mode));
  HETSCHED_CAL_RETURN_IF_ERROR(m.Int("ranks", &n->ranks));
  HETSCHED_CAL_RETURN_IF_ERROR(m.Int("first_rank", &n->first_rank));
  HETSCHED_CAL_RETURN_IF_ERROR(
      m.Array("devices", [n](const JsonValue& item, const std::string& p) {
        if (!item.is_number() ||
            item.number_value() != std::floor(item.number_value())) {
          return InvalidArgumentError(p + ": expected an integer");
        }
        n->devices.push_back(static_cast<int>(item.number_value()));
        return OkStatus();
      }));
  HETSCHED_CAL_RETURN_IF_ERROR(
      m.Int64("avg_busbw_min_bytes", &n->avg_busbw_min_bytes));
  HETSCHED_CAL_RETURN_IF_ERROR(m.String("note", &n->note));
  return m.Array("collectives",
                 [n](const JsonValue& item, const std::string& p) {
                   CollectiveResult c;
                   HETSCHED_CAL_RETURN_IF_ERROR(ReadCollective(item, p, &c));
                   n->collectives.push_back(std::move(c));
                   return OkStatus();
                 });
}

Status ReadConfig(const JsonValue& v, const std::string& path, RunConfig* c) {
  Members m(v, path);
  HETSCHED_CAL_RETURN_IF_ERROR(
      m.Array("sections", [c](const JsonValue& item, const std::string& p) {
        if (!item.is_string()) {
          return InvalidArgumentError(p + ": expected a string");
        }
        c->sections.push_back(item.string_value());
        return OkStatus();
      }));
  HETSCHED_CAL_RETURN_IF_ERROR(m.Int64("gemm_size", &c->gemm_size));
  HETSCHED_CAL_RETURN_IF_ERROR(m.Int("iterations", &c->iterations));
  HETSCHED_CAL_RETURN_IF_ERROR(
      m.Int("warmup_iterations", &c->warmup_iterations));
  HETSCHED_CAL_RETURN_IF_ERROR(m.Int64("memory_bytes", &c->memory_bytes));
  HETSCHED_CAL_RETURN_IF_ERROR(m.Int64("host_bytes", &c->host_bytes));
  HETSCHED_CAL_RETURN_IF_ERROR(m.Int64("peer_bytes", &c->peer_bytes));
  HETSCHED_CAL_RETURN_IF_ERROR(m.Int64("min_bytes", &c->min_bytes));
  HETSCHED_CAL_RETURN_IF_ERROR(m.Int64("max_bytes", &c->max_bytes));
  HETSCHED_CAL_RETURN_IF_ERROR(m.Int64("step_factor", &c->step_factor));
  return m.Double("time_budget_s", &c->time_budget_s);
}

Status ReadSkipped(const JsonValue& v, const std::string& path,
                   SkippedItem* s) {
  HETSCHED_CAL_RETURN_IF_ERROR(ExpectObject(v, path));
  Members m(v, path);
  HETSCHED_CAL_RETURN_IF_ERROR(m.String("section", &s->section));
  HETSCHED_CAL_RETURN_IF_ERROR(m.String("item", &s->item));
  HETSCHED_CAL_RETURN_IF_ERROR(m.Int("device", &s->device));
  return m.String("reason", &s->reason);
}

Status ReadReport(const JsonValue& root, CalibrationReport* r) {
  if (!root.is_object()) {
    return InvalidArgumentError("document: expected an object");
  }
  Members m(root, "");
  if (m.Get("schema_version") == nullptr) {
    return InvalidArgumentError("schema_version: missing");
  }
  HETSCHED_CAL_RETURN_IF_ERROR(m.Int("schema_version", &r->schema_version));
  if (r->schema_version != kCalibrationSchemaVersion) {
    return FailedPreconditionError(
        "schema_version: " + std::to_string(r->schema_version) +
        " is not supported (this reader knows " +
        std::to_string(kCalibrationSchemaVersion) + ")");
  }
  if (m.Get("status") == nullptr)
    return InvalidArgumentError("status: missing");
  std::string status;
  HETSCHED_CAL_RETURN_IF_ERROR(m.String("status", &status));
  if (!ParseReportStatus(status, &r->status)) {
    return InvalidArgumentError("status: unknown value \"" + status + "\"");
  }
  HETSCHED_CAL_RETURN_IF_ERROR(m.String("reason", &r->reason));
  HETSCHED_CAL_RETURN_IF_ERROR(m.String("error", &r->error));
  HETSCHED_CAL_RETURN_IF_ERROR(m.String("tool_version", &r->tool_version));
  HETSCHED_CAL_RETURN_IF_ERROR(m.String("hostname", &r->hostname));
  HETSCHED_CAL_RETURN_IF_ERROR(
      m.Int64("started_at_unix_s", &r->started_at_unix_s));
  HETSCHED_CAL_RETURN_IF_ERROR(m.Double("elapsed_s", &r->elapsed_s));
  HETSCHED_CAL_RETURN_IF_ERROR(
      m.Int("cuda_runtime_version", &r->cuda_runtime_version));
  HETSCHED_CAL_RETURN_IF_ERROR(
      m.Int("cuda_driver_version", &r->cuda_driver_version));
  HETSCHED_CAL_RETURN_IF_ERROR(m.Int("cublaslt_version", &r->cublaslt_version));
  HETSCHED_CAL_RETURN_IF_ERROR(m.Bool("nccl_available", &r->nccl_available));
  HETSCHED_CAL_RETURN_IF_ERROR(m.Int("nccl_version", &r->nccl_version));
  HETSCHED_CAL_RETURN_IF_ERROR(m.Bool("verified", &r->verified));
  Status status_of_object;
  if (const JsonValue* c = m.Object("config", &status_of_object)) {
    HETSCHED_CAL_RETURN_IF_ERROR(ReadConfig(*c, "config", &r->config));
  }
  HETSCHED_CAL_RETURN_IF_ERROR(status_of_object);
  HETSCHED_CAL_RETURN_IF_ERROR(
      m.Array("devices", [r](const JsonValue& item, const std::string& p) {
        DeviceReport d;
        HETSCHED_CAL_RETURN_IF_ERROR(ReadDevice(item, p, &d));
        r->devices.push_back(std::move(d));
        return OkStatus();
      }));
  HETSCHED_CAL_RETURN_IF_ERROR(
      m.Array("peers", [r](const JsonValue& item, const std::string& p) {
        PeerResult peer;
        HETSCHED_CAL_RETURN_IF_ERROR(ReadPeer(item, p, &peer));
        r->peers.push_back(peer);
        return OkStatus();
      }));
  if (const JsonValue* n = m.Object("nccl", &status_of_object)) {
    NcclReport nccl;
    HETSCHED_CAL_RETURN_IF_ERROR(ReadNccl(*n, "nccl", &nccl));
    r->nccl = std::move(nccl);
  }
  HETSCHED_CAL_RETURN_IF_ERROR(status_of_object);
  return m.Array("skipped", [r](const JsonValue& item, const std::string& p) {
    SkippedItem s;
    HETSCHED_CAL_RETURN_IF_ERROR(ReadSkipped(item, p, &s));
    r->skipped.push_back(std::move(s));
    return OkStatus();
  });
}

}  // namespace

Status ParseCalibrationReport(std::string_view json,
                              CalibrationReport* report) {
  JsonValue root;
  HETSCHED_CAL_RETURN_IF_ERROR(ParseJson(json, &root));
  CalibrationReport parsed;
  parsed.verified = false;
  HETSCHED_CAL_RETURN_IF_ERROR(ReadReport(root, &parsed));
  *report = std::move(parsed);
  return OkStatus();
}

}  // namespace hetsched::calibrate
