#include "scheduler/sim/sim_input.h"

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/accelerator_catalogue.h"
#include "scheduler/sim/csv_reader.h"
#include "yaml-cpp/yaml.h"

namespace hetsched::sim {
namespace {

absl::Status ErrorAt(const std::string& name, int line, int column,
                     const std::string& reason) {
  return absl::InvalidArgumentError(
      absl::StrCat(name, ":", line, ":", column, ": ", reason));
}

absl::Status YamlError(const std::string& name, const YAML::Node& node,
                       const std::string& reason) {
  const YAML::Mark m = node.Mark();
  return ErrorAt(name, m.line + 1, m.column + 1, reason);
}

}  // namespace

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot read"));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

absl::StatusOr<SimCluster> ParseCluster(const std::string& text,
                                        const std::string& name) {
  SimCluster cluster;
  std::set<std::string> names;
  try {
    YAML::Node root = YAML::Load(text);
    if (!root.IsMap() || !root["node_groups"] ||
        !root["node_groups"].IsSequence()) {
      return ErrorAt(name, 1, 1, "missing list 'node_groups'");
    }
    YAML::Node groups = root["node_groups"];
    for (const YAML::Node& g : groups) {
      if (!g["name"] || !g["count"] || !g["accelerator"] ||
          !g["accelerator"]["kind"] || !g["accelerator"]["count"]) {
        return YamlError(name, g,
                         "a node group needs name, count and accelerator: "
                         "{kind, count}");
      }
      std::string group = g["name"].as<std::string>();
      if (!names.insert(group).second) {
        return YamlError(name, g["name"], "node group name used twice");
      }
      int count = g["count"].as<int>();
      if (count < 0) return YamlError(name, g["count"], "count is negative");
      std::string kind = g["accelerator"]["kind"].as<std::string>();
      if (VendorOf(kind).empty()) {
        return YamlError(name, g["accelerator"]["kind"],
                         "kind must be vendor/model, e.g. nvidia/h100");
      }
      int per_node = g["accelerator"]["count"].as<int>();
      if (per_node <= 0) {
        return YamlError(name, g["accelerator"]["count"],
                         "accelerator count must be positive");
      }
      int us_size = g["ultraserver_size"] ? g["ultraserver_size"].as<int>() : 0;
      if (us_size < 0) {
        return YamlError(name, g["ultraserver_size"], "must not be negative");
      }
      double price = 0;
      if (g["price_per_accel_hour"]) {
        price = g["price_per_accel_hour"].as<double>();
        if (price < 0) {
          return YamlError(name, g["price_per_accel_hour"],
                           "price must not be negative");
        }
        cluster.has_prices = true;
      }
      std::string provider =
          g["provider"] ? g["provider"].as<std::string>() : "";
      for (int i = 0; i < count; ++i) {
        core::Node n;
        n.name = absl::StrCat(group, "-", i);
        n.accelerator_kind = kind;
        n.accelerator_count = per_node;
        n.topology.provider = provider;
        if (us_size > 0) {
          n.topology.ultraserver = absl::StrCat(group, "-us", i / us_size);
        }
        n.price_per_accel_hour = price;
        cluster.nodes.push_back(std::move(n));
      }
    }
  } catch (const YAML::Exception& e) {
    return ErrorAt(name, e.mark.line + 1, e.mark.column + 1, e.msg);
  }
  return cluster;
}

}  // namespace hetsched::sim
