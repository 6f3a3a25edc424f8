#include "common/duration_text.h"

#include <algorithm>

#include "absl/strings/numbers.h"

namespace hetsched {

std::optional<int64_t> ParseDurationMs(const std::string& text) {
  if (text.size() < 2) return std::nullopt;
  int64_t unit_ms = 0;
  switch (text.back()) {
    case 's':
      unit_ms = 1000;
      break;
    case 'm':
      unit_ms = 60 * 1000;
      break;
    case 'h':
      unit_ms = 3600 * 1000;
      break;
    case 'd':
      unit_ms = 24 * 3600 * 1000;
      break;
    default:
      return std::nullopt;
  }
  int64_t n = 0;
  const std::string digits = text.substr(0, text.size() - 1);
  if (!std::all_of(digits.begin(), digits.end(),
                   [](char c) { return c >= '0' && c <= '9'; }) ||
      digits.size() > 9 || !absl::SimpleAtoi(digits, &n)) {
    return std::nullopt;
  }
  return n * unit_ms;
}

}  // namespace hetsched
