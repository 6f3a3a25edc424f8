#include "common/yaml_keys.h"

#include "absl/strings/str_cat.h"

namespace hetsched {

absl::Status CheckYamlKeys(const YAML::Node& map,
                           const std::set<std::string>& allowed,
                           const std::string& where) {
  if (!map.IsMap()) {
    return absl::InvalidArgumentError(absl::StrCat(
        where.empty() ? "document" : where, ": must be a mapping"));
  }
  std::set<std::string> seen;
  for (const auto& entry : map) {
    if (!entry.first.IsScalar()) {
      return absl::InvalidArgumentError(absl::StrCat(
          where.empty() ? "document" : where, ": keys must be strings"));
    }
    const std::string key = entry.first.Scalar();
    const std::string path =
        where.empty() ? key : absl::StrCat(where, ".", key);
    if (!allowed.contains(key)) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": unknown field"));
    }
    // yaml-cpp keeps both entries of a repeated key; which one a lookup
    // returns is an accident, so refuse it.
    if (!seen.insert(key).second) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": given twice"));
    }
  }
  return absl::OkStatus();
}

}  // namespace hetsched
