#include "absl/strings/str_cat.h"
#include "common/build_info.h"

namespace hetsched {

std::string VersionLine(absl::string_view program) {
  return absl::StrCat(program, " ", BuildVersion(), " (revision ",
                      BuildRevision(), ")");
}

}  // namespace hetsched
