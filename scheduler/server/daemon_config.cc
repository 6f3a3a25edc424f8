#include "scheduler/server/daemon_config.h"

#include <cmath>
#include <set>

#include "absl/strings/str_cat.h"
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
      if (auto s =
              CheckKeys(path, q, {"name", "weight", "cohort", "quota"}, at);
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
      if (const YAML::Node quota = q["quota"]) {
        if (!quota.IsMap()) {
          return Error(path, at + ".quota", "must be a mapping kind: count");
        }
        std::set<std::string> kinds;
        for (const auto& kv : quota) {
          const std::string kind = kv.first.as<std::string>();
          if (!kinds.insert(kind).second) {
            return Error(path, absl::StrCat(at, ".quota.", kind),
                         "given twice");
          }
          if (!catalogue.Contains(kind)) {
            return Error(path, absl::StrCat(at, ".quota.", kind),
                         "unknown kind");
          }
          const int n = kv.second.as<int>();
          if (n < 0) {
            return Error(path, absl::StrCat(at, ".quota.", kind),
                         "must be >= 0");
          }
          c.nominal_quota[kind] = n;
        }
      }
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
