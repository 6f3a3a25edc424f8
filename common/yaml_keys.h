// Strict YAML mappings for every file hetsched reads (job specs,
// inventories, queues, catalogues): a typo or a key given twice is an
// error naming its path, never a silently ignored setting.
#pragma once

#include <set>
#include <string>

#include "absl/status/status.h"
#include "yaml-cpp/yaml.h"

namespace hetsched {

// OK when `map` is a mapping whose keys are all in `allowed`, each once.
// Otherwise INVALID_ARGUMENT: "<where>.<key>: unknown field", "<where>.<key>:
// given twice" or "<where>: must be a mapping". `where` may be empty (the
// document's root).
absl::Status CheckYamlKeys(const YAML::Node& map,
                           const std::set<std::string>& allowed,
                           const std::string& where);

}  // namespace hetsched
