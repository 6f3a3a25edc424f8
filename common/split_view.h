// Splitting text into std::string_views without copying. (This Abseil's
// StrSplit takes its own string_view type, not the standard one.)
#pragma once

#include <string_view>
#include <vector>

namespace hetsched {

// The pieces of `text` between every `sep`, empty ones kept: "a,,b" gives
// {"a", "", "b"} and "" gives {""}.
inline std::vector<std::string_view> SplitView(std::string_view text,
                                               char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == sep) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

}  // namespace hetsched
