#include "scheduler/control/node_validation.h"

#include <cmath>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/text_checks.h"

namespace hetsched::control {
namespace {

absl::Status FieldError(const std::string& field, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

absl::Status ValidateAccelerators(const v1::NodeInfo& info,
                                  const AcceleratorCatalogue& catalogue) {
  if (info.accelerators_size() > kMaxAcceleratorsPerNode) {
    return FieldError("node.accelerators",
                      absl::StrCat("must list at most ",
                                   kMaxAcceleratorsPerNode, " devices"));
  }
  std::set<uint32_t> indices;
  for (int i = 0; i < info.accelerators_size(); ++i) {
    const v1::Accelerator& a = info.accelerators(i);
    const std::string at = absl::StrCat("node.accelerators[", i, "]");
    if (!catalogue.Contains(a.kind())) {
      return FieldError(at + ".kind", absl::StrCat("unknown accelerator kind '",
                                                   a.kind(), "'"));
    }
    if (a.kind() != info.accelerators(0).kind()) {
      return FieldError(at + ".kind",
                        absl::StrCat("a node carries one kind, got ", a.kind(),
                                     " beside ", info.accelerators(0).kind()));
    }
    if (a.index() >= static_cast<uint32_t>(kMaxAcceleratorsPerNode)) {
      return FieldError(at + ".index", absl::StrCat("must be below ",
                                                    kMaxAcceleratorsPerNode));
    }
    if (!indices.insert(a.index()).second) {
      return FieldError(at + ".index",
                        absl::StrCat(a.index(), " is used twice"));
    }
    if (auto s = CheckText(at + ".uuid", a.uuid(), kMaxNodeTextBytes);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateTopologyAndLabels(const v1::NodeInfo& info) {
  const v1::Topology& t = info.topology();
  for (const auto& [field, value] :
       {std::pair<const char*, const std::string&>{"provider", t.provider()},
        {"region", t.region()},
        {"zone", t.zone()},
        {"ultraserver", t.ultraserver()},
        {"rack", t.rack()},
        {"network_block", t.network_block()}}) {
    if (auto s = CheckText(absl::StrCat("node.topology.", field), value,
                           kMaxNodeTextBytes);
        !s.ok()) {
      return s;
    }
  }
  if (info.labels_size() > kMaxNodeLabels) {
    return FieldError("node.labels", absl::StrCat("must have at most ",
                                                  kMaxNodeLabels, " labels"));
  }
  for (const auto& [key, value] : info.labels()) {
    if (key.empty()) return FieldError("node.labels", "a key is empty");
    if (auto s = CheckText("node.labels key", key, kMaxLabelKeyBytes);
        !s.ok()) {
      return s;
    }
    if (auto s = CheckText(absl::StrCat("node.labels.", key), value,
                           kMaxLabelValueBytes);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace

bool IsNodeName(const std::string& name) {
  if (name.empty() || name.size() > kMaxNodeNameBytes) return false;
  if (name.front() == '-' || name.front() == '_' || name.front() == '.') {
    return false;
  }
  for (char c : name) {
    if (!IsNameChar(c)) return false;
  }
  return true;
}

absl::Status ValidateNodeInfo(const v1::NodeInfo& info,
                              const AcceleratorCatalogue& catalogue) {
  if (info.name().empty()) {
    return FieldError("node.name", "must not be empty");
  }
  if (!IsNodeName(info.name())) {
    return FieldError("node.name",
                      absl::StrCat("must be 1-", kMaxNodeNameBytes,
                                   " characters of a-z, A-Z, 0-9, '-', '_', "
                                   "'.', starting with a letter or digit"));
  }
  if (auto s = ValidateAccelerators(info, catalogue); !s.ok()) return s;
  if (auto s = ValidateTopologyAndLabels(info); !s.ok()) return s;
  for (const auto& [field, value] : {std::pair<const char*, const std::string&>{
                                         "instance_type", info.instance_type()},
                                     {"discovery", info.discovery()},
                                     {"agent_address", info.agent_address()}}) {
    if (auto s =
            CheckText(absl::StrCat("node.", field), value, kMaxNodeTextBytes);
        !s.ok()) {
      return s;
    }
  }
  if (info.cpu_count() > kMaxCpusPerNode) {
    return FieldError("node.cpu_count",
                      absl::StrCat("must be at most ", kMaxCpusPerNode));
  }
  const double price = info.price_per_accel_hour();
  if (!std::isfinite(price) || price < 0 ||
      price > kMaxPricePerAcceleratorHour) {
    return FieldError("node.price_per_accel_hour",
                      absl::StrCat("must be a finite number between 0 and ",
                                   kMaxPricePerAcceleratorHour));
  }
  if (info.rendezvous_port_min() != 0 || info.rendezvous_port_max() != 0) {
    if (info.rendezvous_port_min() == 0 ||
        info.rendezvous_port_min() > info.rendezvous_port_max() ||
        info.rendezvous_port_max() > 65535) {
      return FieldError("node.rendezvous_port_min",
                        "rendezvous ports must be a range within 1-65535");
    }
  }
  return absl::OkStatus();
}

}  // namespace hetsched::control
