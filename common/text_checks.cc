#include "common/text_checks.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace hetsched {

bool IsPrintableText(absl::string_view text) {
  return std::none_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
  });
}

absl::Status CheckText(absl::string_view field, absl::string_view text,
                       size_t max_bytes) {
  if (text.size() > max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must be at most ", max_bytes, " bytes"));
  }
  if (!IsPrintableText(text)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must not contain control characters"));
  }
  return absl::OkStatus();
}

}  // namespace hetsched
