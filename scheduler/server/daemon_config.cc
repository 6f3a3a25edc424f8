#include "scheduler/server/daemon_config.h"

#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/yaml_message.h"
#include "hetsched/v1/config_files.pb.h"
#include "yaml-cpp/yaml.h"

namespace hetsched::server {
namespace {

absl::Status Error(const std::string& path, const std::string& field,
                   const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", field, ": ", why));
}

// A file read through the shared loader into `message`; errors name the
// file: "<path>: <field>: <reason>", or "<path>:<line>:<column>: ..." when
// it is not YAML.
absl::Status LoadYamlMessage(const std::string& path,
                             google::protobuf::Message& message) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return absl::NotFoundError(absl::StrCat(path, ": cannot open file"));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ":", e.mark.line + 1, ":", e.mark.column + 1, ": ", e.msg));
  }
  absl::Status s = YamlToMessage(root, message, "document");
  if (s.ok()) return s;
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", s.message()));
}

// A mapping kind: count (quota, borrowing_limit, lending_limit).
absl::Status ReadKindCounts(
    const std::string& path, const std::string& at,
    const google::protobuf::Map<std::string, uint32_t>& map,
    const AcceleratorCatalogue& catalogue, std::map<std::string, int>& out) {
  for (const auto& [kind, n] : map) {
    const std::string field = absl::StrCat(at, ".", kind);
    if (!catalogue.Contains(kind)) return Error(path, field, "unknown kind");
    if (n > static_cast<uint32_t>(std::numeric_limits<int>::max())) {
      return Error(path, field, "is too large");
    }
    out[kind] = static_cast<int>(n);
  }
  return absl::OkStatus();
}

// Kueue's rules: limits only mean something in a cohort, and a queue
// cannot lend more than its quota.
absl::Status CheckQueueLimits(const std::string& path, const std::string& at,
                              const core::QueueConfig& c) {
  if (c.cohort.empty()) {
    for (const auto& [key, limits] :
         {std::pair<const char*, const std::map<std::string, int>*>{
              "borrowing_limit", &c.borrowing_limit},
          {"lending_limit", &c.lending_limit}}) {
      if (!limits->empty()) {
        return Error(path, absl::StrCat(at, ".", key),
                     "needs a cohort to borrow from or lend to");
      }
    }
  }
  for (const auto& [kind, n] : c.lending_limit) {
    auto quota = c.nominal_quota.find(kind);
    const int nominal = quota == c.nominal_quota.end() ? 0 : quota->second;
    if (n > nominal) {
      return Error(path, absl::StrCat(at, ".lending_limit.", kind),
                   absl::StrCat("must not exceed the quota (", nominal, ")"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<core::QueueConfig>> LoadQueuesFile(
    const std::string& path, const AcceleratorCatalogue& catalogue) {
  v1::QueuesFile file;
  RETURN_IF_ERROR(LoadYamlMessage(path, file));
  std::vector<core::QueueConfig> out;
  std::set<std::string> names;
  for (int i = 0; i < file.queues_size(); ++i) {
    const std::string at = absl::StrCat("queues[", i, "]");
    const v1::QueueEntry& q = file.queues(i);
    core::QueueConfig c;
    if (q.name().empty()) return Error(path, at + ".name", "is required");
    c.name = q.name();
    if (!names.insert(c.name).second) {
      return Error(path, at + ".name",
                   absl::StrCat("queue '", c.name, "' is defined twice"));
    }
    if (q.has_weight()) c.weight = q.weight();
    if (!std::isfinite(c.weight) || c.weight <= 0) {
      return Error(path, at + ".weight", "must be a finite positive number");
    }
    c.cohort = q.cohort();
    RETURN_IF_ERROR(ReadKindCounts(path, at + ".quota", q.quota(), catalogue,
                                   c.nominal_quota));
    RETURN_IF_ERROR(ReadKindCounts(path, at + ".borrowing_limit",
                                   q.borrowing_limit(), catalogue,
                                   c.borrowing_limit));
    RETURN_IF_ERROR(ReadKindCounts(path, at + ".lending_limit",
                                   q.lending_limit(), catalogue,
                                   c.lending_limit));
    RETURN_IF_ERROR(CheckQueueLimits(path, at, c));
    out.push_back(std::move(c));
  }
  return out;
}

absl::Status LoadCatalogueFile(const std::string& path,
                               AcceleratorCatalogue& catalogue) {
  v1::CatalogueFile file;
  RETURN_IF_ERROR(LoadYamlMessage(path, file));
  for (int i = 0; i < file.accelerators_size(); ++i) {
    const v1::CatalogueEntry& a = file.accelerators(i);
    const std::string at = absl::StrCat("accelerators[", i, "]");
    if (a.kind().empty()) return Error(path, at + ".kind", "is required");
    AcceleratorSpec spec;
    spec.kind = a.kind();
    spec.bf16_tflops = a.bf16_tflops();
    spec.memory_gb = a.memory_gb();
    spec.memory_bandwidth_gbps = a.memory_bandwidth_gbps();
    spec.scale_up_link_gbps = a.scale_up_link_gbps();
    spec.inference_class = a.inference_class();
    absl::Status s = catalogue.Upsert(spec);
    if (!s.ok()) return Error(path, at, std::string(s.message()));
  }
  return absl::OkStatus();
}

}  // namespace hetsched::server
