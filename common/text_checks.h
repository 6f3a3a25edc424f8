// Checks for text a caller controls that ends up in tables, logs, paths
// and operators' terminals: bounded length, no control characters (a raw
// escape sequence in a drain reason would reach an admin's terminal).
#pragma once

#include <cstddef>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"

namespace hetsched {

// True when `text` holds no byte below 0x20 and no DEL (0x7f).
bool IsPrintableText(absl::string_view text);

// OK, or INVALID_ARGUMENT "<field>: must be at most N bytes" /
// "<field>: must not contain control characters".
absl::Status CheckText(absl::string_view field, absl::string_view text,
                       size_t max_bytes);

}  // namespace hetsched
