#include "scheduler/server/daemon_config.h"

#include <cmath>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/yaml_keys.h"
#include "yaml-cpp/yaml.h"

namespace hetsched::server {
namespace {

absl::Status Error(const std::string& path, const std::string& field,
                   const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", field, ": ", why));
}

// CheckYamlKeys with the file's path in front of the field's.
absl::Status CheckKeys(const std::string& path, const YAML::Node& map,
                       const std::set<std::string>& allowed,
                       const std::string& where) {
  absl::Status s = CheckYamlKeys(map, allowed, where);
  if (s.ok()) return s;
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", s.message()));
}

absl::StatusOr<YAML::Node> LoadYaml(const std::string& path) {
  try {
    return YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return absl::NotFoundError(absl::StrCat(path, ": cannot open file"));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ":", e.mark.line + 1, ":", e.mark.column + 1, ": ", e.msg));
  }
}

// A mapping kind: count (quota, borrowing_limit, lending_limit).
absl::Status ReadKindCounts(const std::string& path, const std::string& at,
                            const YAML::Node& map,
                            const AcceleratorCatalogue& catalogue,
                            std::map<std::string, int>& out) {
  if (!map.IsMap()) return Error(path, at, "must be a mapping kind: count");
  for (const auto& kv : map) {
    const std::string kind = kv.first.as<std::string>();
    const std::string field = absl::StrCat(at, ".", kind);
    if (out.count(kind) > 0) return Error(path, field, "given twice");
    if (!catalogue.Contains(kind)) return Error(path, field, "unknown kind");
    const int n = kv.second.as<int>();
    if (n < 0) return Error(path, field, "must be >= 0");
    out[kind] = n;
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
  auto root = LoadYaml(path);
  if (!root.ok()) return root.status();
  if (auto s = CheckKeys(path, *root, {"queues"}, ""); !s.ok()) return s;
  const YAML::Node queues = (*root)["queues"];
  if (!queues || !queues.IsSequence()) {
    return Error(path, "queues", "must be a list");
  }
  std::vector<core::QueueConfig> out;
  std::set<std::string> names;
  try {
    for (size_t i = 0; i < queues.size(); ++i) {
      const std::string at = absl::StrCat("queues[", i, "]");
      const YAML::Node q = queues[i];
      if (auto s = CheckKeys(path, q,
                             {"name", "weight", "cohort", "quota",
                              "borrowing_limit", "lending_limit"},
                             at);
          !s.ok()) {
        return s;
      }
      core::QueueConfig c;
      if (!q["name"]) return Error(path, at + ".name", "is required");
      c.name = q["name"].as<std::string>();
      if (!names.insert(c.name).second) {
        return Error(path, at + ".name",
                     absl::StrCat("queue '", c.name, "' is defined twice"));
      }
      if (q["weight"]) c.weight = q["weight"].as<double>();
      if (!std::isfinite(c.weight) || c.weight <= 0) {
        return Error(path, at + ".weight", "must be a finite positive number");
      }
      if (q["cohort"]) c.cohort = q["cohort"].as<std::string>();
      for (const auto& [key, counts] :
           {std::pair<const char*, std::map<std::string, int>*>{
                "quota", &c.nominal_quota},
            {"borrowing_limit", &c.borrowing_limit},
            {"lending_limit", &c.lending_limit}}) {
        if (const YAML::Node map = q[key]) {
          RETURN_IF_ERROR(ReadKindCounts(path, absl::StrCat(at, ".", key), map,
                                         catalogue, *counts));
        }
      }
      RETURN_IF_ERROR(CheckQueueLimits(path, at, c));
      out.push_back(std::move(c));
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ":", e.mark.line + 1, ":", e.mark.column + 1, ": ", e.msg));
  }
  return out;
}

absl::Status LoadCatalogueFile(const std::string& path,
                               AcceleratorCatalogue& catalogue) {
  auto root = LoadYaml(path);
  if (!root.ok()) return root.status();
  if (auto s = CheckKeys(path, *root, {"accelerators"}, ""); !s.ok()) {
    return s;
  }
  const YAML::Node list = (*root)["accelerators"];
  if (!list || !list.IsSequence()) {
    return Error(path, "accelerators", "must be a list");
  }
  try {
    for (size_t i = 0; i < list.size(); ++i) {
      const YAML::Node a = list[i];
      if (auto s = CheckKeys(
              path, a,
              {"kind", "bf16_tflops", "memory_gb", "memory_bandwidth_gbps",
               "scale_up_link_gbps", "inference_class"},
              absl::StrCat("accelerators[", i, "]"));
          !s.ok()) {
        return s;
      }
      AcceleratorSpec spec;
      if (!a["kind"]) {
        return Error(path, absl::StrCat("accelerators[", i, "].kind"),
                     "is required");
      }
      spec.kind = a["kind"].as<std::string>();
      spec.bf16_tflops = a["bf16_tflops"].as<double>(0);
      spec.memory_gb = a["memory_gb"].as<double>(0);
      spec.memory_bandwidth_gbps = a["memory_bandwidth_gbps"].as<double>(0);
      spec.scale_up_link_gbps = a["scale_up_link_gbps"].as<double>(0);
      spec.inference_class = a["inference_class"].as<bool>(false);
      absl::Status s = catalogue.Upsert(spec);
      if (!s.ok()) {
        return Error(path, absl::StrCat("accelerators[", i, "]"),
                     std::string(s.message()));
      }
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ":", e.mark.line + 1, ":", e.mark.column + 1, ": ", e.msg));
  }
  return absl::OkStatus();
}

}  // namespace hetsched::server
