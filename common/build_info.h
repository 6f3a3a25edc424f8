// What build this is: the project version (CMake's project VERSION) and
// the git revision of the tree it was built from ("-dirty" when it had
// uncommitted changes; "unknown" outside git). Every binary's --version
// and the hetsched_build_info metric say it.
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace hetsched {

const char* BuildVersion();
const char* BuildRevision();

// "hetsched-agent 0.9.0 (revision 1a2b3c4d5e6f)".
std::string VersionLine(absl::string_view program);

}  // namespace hetsched
