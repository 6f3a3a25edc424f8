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
#include "nlohmann/json.hpp"
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

// nlohmann keeps no positions after parsing: find the quoted keys of a
// path in order, so that errors still name a line and column.
std::pair<int, int> Locate(const std::string& text,
                           const std::vector<std::string>& path) {
  size_t at = 0;
  for (const auto& key : path) {
    size_t found = text.find(absl::StrCat("\"", key, "\""), at);
    if (found == std::string::npos) break;
    at = found;
  }
  int line = 1, column = 1;
  for (size_t i = 0; i < at && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

absl::Status JsonError(const std::string& name, const std::string& text,
                       const std::vector<std::string>& path,
                       const std::string& reason) {
  auto [line, column] = Locate(text, path);
  std::string where = "classes";
  for (size_t i = 1; i < path.size(); ++i)
    absl::StrAppend(&where, ".", path[i]);
  return ErrorAt(name, line, column, absl::StrCat(where, ": ", reason));
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

absl::StatusOr<core::ThroughputTable> ParseThroughputs(
    const std::string& text, const std::string& name) {
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded()) {
    // Parse again with exceptions on only to learn where it broke.
    try {
      nlohmann::json unused = nlohmann::json::parse(text);
      (void)unused;
    } catch (const nlohmann::json::parse_error& e) {
      size_t at = std::min(e.byte > 0 ? e.byte - 1 : 0, text.size());
      int line = 1, column = 1;
      for (size_t i = 0; i < at; ++i) {
        if (text[i] == '\n') {
          ++line;
          column = 1;
        } else {
          ++column;
        }
      }
      return ErrorAt(name, line, column, "not valid JSON");
    }
  }
  if (!doc.is_object() || !doc.contains("classes") ||
      !doc["classes"].is_object()) {
    return ErrorAt(name, 1, 1,
                   "want {\"classes\": {CLASS: {KIND: {N: rate}}}}");
  }
  core::ThroughputTable table;
  for (const auto& [cls, kinds] : doc["classes"].items()) {
    if (!kinds.is_object()) {
      return JsonError(name, text, {"classes", cls}, "not an object");
    }
    for (const auto& [kind, sizes] : kinds.items()) {
      if (!sizes.is_object()) {
        return JsonError(name, text, {"classes", cls, kind}, "not an object");
      }
      for (const auto& [n, rate] : sizes.items()) {
        int accelerators = 0;
        if (!absl::SimpleAtoi(n, &accelerators) || accelerators <= 0 ||
            !rate.is_number() || rate.get<double>() <= 0) {
          return JsonError(name, text, {"classes", cls, kind, n},
                           "want a positive N and a positive steps/s");
        }
        table[cls][kind][accelerators] = rate.get<double>();
      }
    }
  }
  return table;
}

}  // namespace hetsched::sim
