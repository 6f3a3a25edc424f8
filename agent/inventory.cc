#include "agent/inventory.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/accelerator_catalogue.h"
#include "common/status_macros.h"
#include "common/yaml_message.h"
#include "hetsched/v1/config_files.pb.h"

namespace hetsched::agent {
namespace {

constexpr uint32_t kMaxAccelerators = 4096;
constexpr uint32_t kMaxCpus = 65536;  // as the scheduler's node validation
constexpr double kMaxMemoryGb = 1e6;  // a petabyte: no host has more

absl::Status FieldError(const std::string& source, const std::string& field,
                        const std::string& reason) {
  return absl::InvalidArgumentError(
      absl::StrCat(source, ": ", field, ": ", reason));
}

bool IsVendorModel(const std::string& kind) {
  const size_t slash = kind.find('/');
  return slash != std::string::npos && slash > 0 && slash + 1 < kind.size() &&
         kind.find('/', slash + 1) == std::string::npos;
}

absl::Status TakeAccelerators(const v1::InventoryAccelerators& in,
                              const std::string& source,
                              HostDescription& host) {
  if (!in.has_kind()) {
    return FieldError(source, "accelerators.kind", "is required");
  }
  const std::string& kind = in.kind();
  const auto& catalogue = AcceleratorCatalogue::BuiltIn();
  if (!catalogue.Contains(kind) && !IsVendorModel(kind)) {
    return FieldError(source, "accelerators.kind",
                      absl::StrCat("'", kind,
                                   "' is not in the catalogue and not of the "
                                   "form vendor/model, e.g. nvidia/h100"));
  }
  if (!in.has_count()) {
    return FieldError(source, "accelerators.count", "is required");
  }
  if (in.count() > kMaxAccelerators) {
    return FieldError(source, "accelerators.count",
                      absl::StrCat("must be between 0 and ", kMaxAccelerators,
                                   ", got ", in.count()));
  }
  double memory_gb = 0;
  if (in.has_memory_gb()) {
    if (!(in.memory_gb() > 0) || !std::isfinite(in.memory_gb())) {
      return FieldError(source, "accelerators.memory_gb", "must be positive");
    }
    memory_gb = in.memory_gb();
  } else if (const AcceleratorSpec* spec = catalogue.Find(kind)) {
    memory_gb = spec->memory_gb;
  }
  if (in.has_cores_per_device()) {
    if (in.cores_per_device() < 1 || in.cores_per_device() > 128) {
      return FieldError(source, "accelerators.cores_per_device",
                        "must be between 1 and 128");
    }
    if (VendorOf(kind) != "aws") {
      return FieldError(source, "accelerators.cores_per_device",
                        "only applies to aws/* (Neuron) kinds");
    }
    host.cores_per_device = in.cores_per_device();
  }
  for (uint32_t i = 0; i < in.count(); ++i) {
    DiscoveredAccelerator a;
    a.index = i;
    a.kind = kind;
    a.memory_bytes = static_cast<uint64_t>(memory_gb * 1e9);
    host.accelerators.push_back(a);
  }
  return absl::OkStatus();
}

absl::Status TakeLabels(
    const google::protobuf::Map<std::string, std::string>& in,
    const std::string& source, HostDescription& host) {
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
  for (const auto& [key, value] : in) {
    if (key.empty()) return FieldError(source, "labels", "empty key");
    auto it = topology_keys.find(key);
    if (it != topology_keys.end()) {
      host.topology.*(it->second) = value;
    } else {
      host.labels[key] = value;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<HostDescription> ParseInventory(const std::string& yaml_text,
                                               const std::string& source) {
  auto root = ParseYamlText(yaml_text);
  if (!root.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": not valid YAML: ", root.status().message()));
  }
  if (!root->IsMap()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source,
                     ": must be a YAML map with instance_type, "
                     "accelerators and labels"));
  }
  v1::InventoryFile file;
  if (absl::Status s = YamlToMessage(*root, file, "inventory"); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", s.message()));
  }
  HostDescription host;
  host.source = "inventory";
  host.instance_type = file.instance_type();
  if (file.has_accelerators()) {
    RETURN_IF_ERROR(TakeAccelerators(file.accelerators(), source, host));
  }
  RETURN_IF_ERROR(TakeLabels(file.labels(), source, host));
  if (file.has_price_per_accel_hour()) {
    const double p = file.price_per_accel_hour();
    if (!(p >= 0) || !std::isfinite(p)) {
      return FieldError(source, "price_per_accel_hour",
                        "must be a finite number, not negative");
    }
    host.price_per_accel_hour = p;
  }
  if (file.has_ultraserver_size()) {
    const uint32_t n = file.ultraserver_size();
    if (n < 1 || n > kMaxAccelerators) {
      return FieldError(source, "ultraserver_size",
                        absl::StrCat("must be between 1 and ", kMaxAccelerators,
                                     ", got ", n));
    }
    host.ultraserver_size = n;
  }
  if (file.has_cpus()) {
    if (file.cpus() < 1 || file.cpus() > kMaxCpus) {
      return FieldError(source, "cpus",
                        absl::StrCat("must be between 1 and ", kMaxCpus,
                                     ", got ", file.cpus()));
    }
    host.cpus = file.cpus();
  }
  if (file.has_memory_gb()) {
    if (!(file.memory_gb() > 0) || !(file.memory_gb() <= kMaxMemoryGb)) {
      return FieldError(source, "memory_gb",
                        absl::StrCat("must be above 0 and at most ",
                                     kMaxMemoryGb, ", got ", file.memory_gb()));
    }
    host.memory_bytes = static_cast<uint64_t>(file.memory_gb() * 1e9);
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
