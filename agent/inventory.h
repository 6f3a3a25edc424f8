// The inventory file of a simulated host: which accelerators it pretends to
// have and where it sits. Parsing is pure (text in, value or error out) so
// every rejected field has a unit test. Thread-compatible.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "agent/discovery.h"

namespace hetsched::agent {

// Parses inventory YAML. `source` (usually the file name) prefixes every
// error, which then names the field: "x.yaml: accelerators.count: ...".
absl::StatusOr<HostDescription> ParseInventory(const std::string& yaml_text,
                                               const std::string& source);

// Reads and parses the file at `path`; NOT_FOUND when it cannot be read.
absl::StatusOr<HostDescription> LoadInventoryFile(const std::string& path);

}  // namespace hetsched::agent
