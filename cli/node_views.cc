#include "cli/node_views.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/format.h"
#include "cli/table.h"
#include "nlohmann/json.hpp"

namespace hetsched::cli {
namespace {

std::string OrDash(const std::string& s) { return s.empty() ? "-" : s; }

void Field(std::ostream& out, const std::string& label,
           const std::string& value) {
  constexpr size_t kLabelWidth = 15;
  std::string padded = label + ":";
  padded.resize(std::max(kLabelWidth, padded.size() + 1), ' ');
  out << padded << value << '\n';
}

// A state word that also shows what the boolean flags add: a node may be
// drained while its agent is gone, or degraded while drained.
std::string StateColumn(const v1::Node& node) {
  std::string state = NodeStateName(node.state());
  if (node.drained() && node.state() != v1::NODE_STATE_DRAINED &&
      node.state() != v1::NODE_STATE_DRAINING) {
    state += ",DRAINED";
  }
  if (node.degraded() && node.state() != v1::NODE_STATE_DEGRADED) {
    state += ",DEGRADED";
  }
  if (!node.unhealthy_reason().empty() && node.connected() &&
      node.state() != v1::NODE_STATE_UNHEALTHY) {
    state += ",UNHEALTHY";
  }
  if (!node.connected() && node.state() != v1::NODE_STATE_LOST) {
    state += ",DISCONNECTED";
  }
  return state;
}

std::string Indent(const std::string& text, const std::string& prefix) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out += prefix + text.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return out;
}

}  // namespace

void PrintNodesTable(const google::protobuf::RepeatedPtrField<v1::Node>& nodes,
                     int64_t now_ms, std::ostream& out) {
  Table table({"NAME", "STATE", "KIND", "ACCEL", "PROVIDER", "ULTRASERVER",
               "RACK", "HEARTBEAT", "REASON"});
  table.SetMaxWidth(8, 32);
  for (const auto& node : nodes) {
    const auto& topo = node.info().topology();
    table.AddRow({node.info().name(), StateColumn(node), NodeKinds(node),
                  NodeAcceleratorUsage(node), OrDash(topo.provider()),
                  OrDash(topo.ultraserver()), OrDash(topo.rack()),
                  FormatAge(node.last_heartbeat_ms(), now_ms),
                  OrDash(node.state_reason())});
  }
  table.Print(out);
}

std::string PrettyCalibration(const std::string& json) {
  nlohmann::json doc = nlohmann::json::parse(json, nullptr,
                                             /*allow_exceptions=*/false);
  if (doc.is_discarded()) return json;
  return doc.dump(2);
}

void PrintNodeDescription(const v1::Node& node, int64_t now_ms,
                          std::ostream& out) {
  const auto& info = node.info();
  Field(out, "Name", info.name());
  Field(out, "State", StateColumn(node));
  if (!node.state_reason().empty()) Field(out, "Reason", node.state_reason());
  // Drained and unhealthy: the reason above is the drain's.
  if (!node.unhealthy_reason().empty() &&
      node.unhealthy_reason() != node.state_reason()) {
    Field(out, "Unhealthy", node.unhealthy_reason());
  }
  Field(out, "Connected", node.connected() ? "yes" : "no");
  Field(
      out, "Heartbeat",
      node.last_heartbeat_ms() == 0
          ? "never"
          : absl::StrCat(FormatAge(node.last_heartbeat_ms(), now_ms), " ago"));
  Field(out, "Instance type", OrDash(info.instance_type()));
  Field(out, "Discovery", OrDash(info.discovery()));
  Field(out, "CPUs",
        info.cpu_count() == 0 ? "-" : absl::StrCat(info.cpu_count()));
  Field(out, "Memory", FormatBytes(info.memory_bytes()));
  Field(out, "Agent address", OrDash(info.agent_address()));
  if (info.price_per_accel_hour() > 0) {
    char price[32];
    std::snprintf(price, sizeof(price), "%.2f", info.price_per_accel_hour());
    Field(out, "Price", absl::StrCat(price, " per accelerator-hour"));
  }
  char speed[32];
  std::snprintf(speed, sizeof(speed), "%.3f", node.speed_factor());
  Field(out, "Speed factor", speed);

  const auto& topo = info.topology();
  out << "Topology:\n";
  Field(out, "  provider", OrDash(topo.provider()));
  Field(out, "  region", OrDash(topo.region()));
  Field(out, "  zone", OrDash(topo.zone()));
  Field(out, "  ultraserver", OrDash(topo.ultraserver()));
  Field(out, "  rack", OrDash(topo.rack()));
  Field(out, "  network_block", OrDash(topo.network_block()));

  out << "Labels:\n";
  if (info.labels().empty()) out << "  (none)\n";
  // Sorted: protobuf maps have no stable order.
  std::vector<std::pair<std::string, std::string>> labels(info.labels().begin(),
                                                          info.labels().end());
  std::sort(labels.begin(), labels.end());
  for (const auto& [k, v] : labels) out << "  " << k << "=" << v << '\n';

  out << "Accelerators (" << NodeAcceleratorUsage(node) << " allocated):\n";
  if (info.accelerators().empty()) {
    out << "  (none)\n";
  } else {
    Table table({"INDEX", "KIND", "MEMORY", "UUID"});
    for (const auto& a : info.accelerators()) {
      table.AddRow({absl::StrCat(a.index()), a.kind(),
                    FormatBytes(a.memory_bytes()), OrDash(a.uuid())});
    }
    out << Indent(table.ToString(), "  ");
  }

  out << "Tasks:\n";
  if (node.task_ids().empty()) out << "  (none)\n";
  for (const auto& id : node.task_ids()) out << "  " << id << '\n';

  if (node.calibration_json().empty()) {
    out << "Calibration:   (not measured)\n";
    return;
  }
  out << "Calibration (measured "
      << (node.calibrated_at_ms() == 0
              ? std::string("at an unknown time")
              : FormatTimestamp(node.calibrated_at_ms(), now_ms))
      << "):\n";
  out << Indent(PrettyCalibration(node.calibration_json()), "  ");
}

}  // namespace hetsched::cli
