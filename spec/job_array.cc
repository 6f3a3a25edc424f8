#include "spec/job_array.h"

#include <algorithm>
#include <charconv>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/split_view.h"

namespace hetsched::spec {
namespace {

absl::Status Bad(std::string_view text, std::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("'", std::string(text), "' ", std::string(why),
                   " (Slurm's syntax: 0-99, 1,3,5-9 or 0-15:4, with %N for "
                   "at most N at once)"));
}

// Up to seven digits, nothing else.
bool ParseNumber(std::string_view s, uint32_t* out) {
  if (s.empty() || s.size() > 7) return false;
  const auto [end, error] =
      std::from_chars(s.data(), s.data() + s.size(), *out);
  return error == std::errc() && end == s.data() + s.size();
}

}  // namespace

absl::StatusOr<JobArray> ParseJobArray(std::string_view text) {
  JobArray array;
  std::string_view list = text;
  if (const size_t percent = text.find('%');
      percent != std::string_view::npos) {
    list = text.substr(0, percent);
    if (!ParseNumber(text.substr(percent + 1), &array.max_running) ||
        array.max_running == 0) {
      return Bad(text, "must end in %N with N a positive number");
    }
  }
  if (list.empty()) return Bad(text, "lists no index");
  std::set<uint32_t> indices;
  // Empty items are kept, so "1,,2" is refused.
  for (std::string_view item : SplitView(list, ',')) {
    std::string_view range = item;
    uint32_t step = 1;
    if (const size_t colon = item.find(':'); colon != std::string_view::npos) {
      range = item.substr(0, colon);
      if (!ParseNumber(item.substr(colon + 1), &step) || step == 0) {
        return Bad(text, absl::StrCat("has a bad step in '", std::string(item),
                                      "': must be a positive number"));
      }
    }
    uint32_t first = 0;
    uint32_t last = 0;
    const size_t dash = range.find('-');
    const bool ok = dash == std::string_view::npos
                        ? ParseNumber(range, &first) && (last = first, true)
                        : ParseNumber(range.substr(0, dash), &first) &&
                              ParseNumber(range.substr(dash + 1), &last);
    if (!ok) {
      return Bad(text, absl::StrCat("has '", std::string(item),
                                    "', which is not an index or a range"));
    }
    if (last < first) {
      return Bad(text, absl::StrCat("has the range '", std::string(range),
                                    "', which ends before it starts"));
    }
    if (last > kMaxArrayIndex) {
      return Bad(text, absl::StrCat("has index ", last, "; indices go up to ",
                                    kMaxArrayIndex));
    }
    for (uint64_t i = first; i <= last; i += step) {
      indices.insert(static_cast<uint32_t>(i));
      if (indices.size() > kMaxArrayElements) {
        return Bad(text, absl::StrCat("has more than ", kMaxArrayElements,
                                      " elements"));
      }
    }
  }
  array.indices.assign(indices.begin(), indices.end());
  return array;
}

uint32_t ArrayMaxRunning(std::string_view text) {
  const size_t percent = text.find('%');
  uint32_t n = 0;
  if (percent == std::string_view::npos ||
      !ParseNumber(text.substr(percent + 1), &n)) {
    return 0;
  }
  return n;
}

}  // namespace hetsched::spec
