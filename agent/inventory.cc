#include "agent/inventory.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/accelerator_catalogue.h"
#include "common/yaml_keys.h"

namespace hetsched::agent {
namespace {

constexpr uint32_t kMaxAccelerators = 4096;

absl::Status FieldError(const std::string& source, const std::string& field,
                        const std::string& reason) {
  return absl::InvalidArgumentError(
      absl::StrCat(source, ": ", field, ": ", reason));
}

// yaml-cpp reports conversion failures by exception; we turn them into a
// field error so no exception crosses our API.
template <typename T>
absl::StatusOr<T> Scalar(const YAML::Node& node, const std::string& source,
                         const std::string& field, const char* expected) {
  if (!node.IsScalar()) {
    return FieldError(source, field, absl::StrCat("must be ", expected));
  }
  try {
    return node.as<T>();
  } catch (const YAML::Exception&) {
    return FieldError(
        source, field,
        absl::StrCat("must be ", expected, ", got '", node.Scalar(), "'"));
  }
}

// Unknown and repeated keys are errors, with the file in front.
absl::Status CheckKeys(const YAML::Node& map,
                       const std::set<std::string>& known,
                       const std::string& source, const std::string& where) {
  absl::Status s = CheckYamlKeys(map, known, where);
  if (s.ok()) return s;
  return absl::InvalidArgumentError(absl::StrCat(source, ": ", s.message()));
}

bool IsVendorModel(const std::string& kind) {
  const size_t slash = kind.find('/');
  return slash != std::string::npos && slash > 0 && slash + 1 < kind.size() &&
         kind.find('/', slash + 1) == std::string::npos;
}

absl::Status ParseAccelerators(const YAML::Node& node,
                               const std::string& source,
                               HostDescription& host) {
  if (!node.IsMap()) {
    return FieldError(source, "accelerators",
                      "must be a map like {kind: nvidia/h100, count: 8}");
  }
  if (auto s =
          CheckKeys(node, {"kind", "count", "memory_gb", "cores_per_device"},
                    source, "accelerators");
      !s.ok()) {
    return s;
  }
  if (!node["kind"]) {
    return FieldError(source, "accelerators.kind", "is required");
  }
  auto kind = Scalar<std::string>(node["kind"], source, "accelerators.kind",
                                  "a string");
  if (!kind.ok()) return kind.status();
  const auto& catalogue = AcceleratorCatalogue::BuiltIn();
  if (!catalogue.Contains(*kind) && !IsVendorModel(*kind)) {
    return FieldError(source, "accelerators.kind",
                      absl::StrCat("'", *kind,
                                   "' is not in the catalogue and not of the "
                                   "form vendor/model, e.g. nvidia/h100"));
  }
  if (!node["count"]) {
    return FieldError(source, "accelerators.count", "is required");
  }
  auto count = Scalar<int64_t>(node["count"], source, "accelerators.count",
                               "an integer");
  if (!count.ok()) return count.status();
  if (*count < 0 || *count > kMaxAccelerators) {
    return FieldError(source, "accelerators.count",
                      absl::StrCat("must be between 0 and ", kMaxAccelerators,
                                   ", got ", *count));
  }
  double memory_gb = 0;
  if (node["memory_gb"]) {
    auto m = Scalar<double>(node["memory_gb"], source, "accelerators.memory_gb",
                            "a number");
    if (!m.ok()) return m.status();
    if (*m <= 0) {
      return FieldError(source, "accelerators.memory_gb", "must be positive");
    }
    memory_gb = *m;
  } else if (const AcceleratorSpec* spec = catalogue.Find(*kind)) {
    memory_gb = spec->memory_gb;
  }
  if (node["cores_per_device"]) {
    auto c = Scalar<int64_t>(node["cores_per_device"], source,
                             "accelerators.cores_per_device", "an integer");
    if (!c.ok()) return c.status();
    if (*c < 1 || *c > 128) {
      return FieldError(source, "accelerators.cores_per_device",
                        "must be between 1 and 128");
    }
    if (VendorOf(*kind) != "aws") {
      return FieldError(source, "accelerators.cores_per_device",
                        "only applies to aws/* (Neuron) kinds");
    }
    host.cores_per_device = static_cast<uint32_t>(*c);
  }
  for (int64_t i = 0; i < *count; ++i) {
    DiscoveredAccelerator a;
    a.index = static_cast<uint32_t>(i);
    a.kind = *kind;
    a.memory_bytes = static_cast<uint64_t>(memory_gb * 1e9);
    host.accelerators.push_back(a);
  }
  return absl::OkStatus();
}

absl::Status ParseLabels(const YAML::Node& node, const std::string& source,
                         HostDescription& host) {
  if (!node.IsMap()) {
    return FieldError(source, "labels", "must be a map of strings");
  }
  // Topology keys feed placement (same-ultraserver, provider constraints);
  // everything else is an operator label carried through unchanged.
  const std::map<std::string, std::string HostTopology::*> topology_keys = {
      {"provider", &HostTopology::provider},
      {"region", &HostTopology::region},
      {"zone", &HostTopology::zone},
      {"ultraserver", &HostTopology::ultraserver},
      {"rack", &HostTopology::rack},
      {"network_block", &HostTopology::network_block},
  };
  for (const auto& entry : node) {
    const std::string key = entry.first.Scalar();
    const std::string field = absl::StrCat("labels.", key);
    if (key.empty()) return FieldError(source, "labels", "empty key");
    auto value = Scalar<std::string>(entry.second, source, field, "a string");
    if (!value.ok()) return value.status();
    auto it = topology_keys.find(key);
    if (it != topology_keys.end()) {
      host.topology.*(it->second) = *value;
    } else {
      host.labels[key] = *value;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<HostDescription> ParseInventory(const std::string& yaml_text,
                                               const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": not valid YAML: ", e.what()));
  }
  if (!root.IsMap()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source,
                     ": must be a YAML map with instance_type, "
                     "accelerators and labels"));
  }
  if (auto s = CheckKeys(root,
                         {"instance_type", "accelerators", "labels",
                          "price_per_accel_hour", "ultraserver_size"},
                         source, "");
      !s.ok()) {
    return s;
  }
  HostDescription host;
  host.source = "inventory";
  if (root["instance_type"]) {
    auto t = Scalar<std::string>(root["instance_type"], source, "instance_type",
                                 "a string");
    if (!t.ok()) return t.status();
    host.instance_type = *t;
  }
  if (root["accelerators"]) {
    if (auto s = ParseAccelerators(root["accelerators"], source, host);
        !s.ok()) {
      return s;
    }
  }
  if (root["labels"]) {
    if (auto s = ParseLabels(root["labels"], source, host); !s.ok()) return s;
  }
  if (root["price_per_accel_hour"]) {
    auto p = Scalar<double>(root["price_per_accel_hour"], source,
                            "price_per_accel_hour", "a number");
    if (!p.ok()) return p.status();
    if (*p < 0) {
      return FieldError(source, "price_per_accel_hour", "must not be negative");
    }
    host.price_per_accel_hour = *p;
  }
  if (root["ultraserver_size"]) {
    auto n = Scalar<int64_t>(root["ultraserver_size"], source,
                             "ultraserver_size", "an integer");
    if (!n.ok()) return n.status();
    if (*n < 1 || *n > kMaxAccelerators) {
      return FieldError(source, "ultraserver_size",
                        absl::StrCat("must be between 1 and ", kMaxAccelerators,
                                     ", got ", *n));
    }
    host.ultraserver_size = static_cast<uint32_t>(*n);
  }
  host.notes.push_back(absl::StrCat("inventory ", source, ": ",
                                    host.accelerators.size(), " accelerators"));
  return host;
}

absl::StatusOr<HostDescription> LoadInventoryFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(absl::StrCat(
        path, ": cannot read inventory file: ", std::strerror(errno)));
  }
  std::stringstream text;
  text << in.rdbuf();
  return ParseInventory(text.str(), path);
}

}  // namespace hetsched::agent
