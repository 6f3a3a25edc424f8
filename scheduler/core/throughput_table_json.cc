#include "scheduler/core/throughput_table_json.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace hetsched::core {
namespace {

absl::Status ErrorAt(const std::string& name, int line, int column,
                     const std::string& reason) {
  return absl::InvalidArgumentError(
      absl::StrCat(name, ":", line, ":", column, ": ", reason));
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

absl::StatusOr<ThroughputTable> ParseThroughputs(const std::string& text,
                                                 const std::string& name) {
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
  ThroughputTable table;
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

}  // namespace hetsched::core
