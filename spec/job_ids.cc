#include "spec/job_ids.h"

#include <algorithm>
#include <charconv>
#include <utility>

namespace hetsched::spec {
namespace {

// Longest digit runs that fit their integer types.
constexpr size_t kMaxSeqDigits = 19;
constexpr size_t kMaxElementDigits = 9;

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(),
                                   [](char c) { return c >= '0' && c <= '9'; });
}

// Digits only (checked by the caller), into `out` if they fit.
template <typename Int>
bool ParseDigits(std::string_view s, Int* out) {
  const auto [end, error] =
      std::from_chars(s.data(), s.data() + s.size(), *out);
  return error == std::errc() && end == s.data() + s.size();
}

// "j-000042_7" -> {"j-000042", "7"}; no '_' -> {id, ""} and false.
std::pair<std::string_view, std::string_view> SplitElement(std::string_view id,
                                                           bool* has_element) {
  const size_t underscore = id.find('_');
  *has_element = underscore != std::string_view::npos;
  if (!*has_element) return {id, {}};
  return {id.substr(0, underscore), id.substr(underscore + 1)};
}

// Numbers written in digits compare by length first; for other text this
// is still a total order.
int CompareByLengthThenText(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  return a.compare(b);
}

}  // namespace

std::optional<JobIdParts> ParseJobId(std::string_view id) {
  if (id.size() < 3 || id.substr(0, 2) != "j-") return std::nullopt;
  bool has_element = false;
  auto [base, element] = SplitElement(id.substr(2), &has_element);
  if (!AllDigits(base) || base.size() > kMaxSeqDigits) return std::nullopt;
  JobIdParts parts;
  if (!ParseDigits(base, &parts.seq)) return std::nullopt;
  if (has_element) {
    uint32_t index = 0;
    if (!AllDigits(element) || element.size() > kMaxElementDigits ||
        !ParseDigits(element, &index)) {
      return std::nullopt;
    }
    parts.element = index;
  }
  return parts;
}

bool IsJobId(std::string_view id) { return ParseJobId(id).has_value(); }

bool IsWholeJobId(std::string_view id) {
  auto parts = ParseJobId(id);
  return parts.has_value() && !parts->element.has_value();
}

std::string ArrayElementId(std::string_view array_id, uint32_t index) {
  std::string id(array_id);
  id += '_';
  id += std::to_string(index);
  return id;
}

bool JobIdLess(std::string_view a, std::string_view b) {
  bool a_element = false;
  bool b_element = false;
  auto [a_base, a_index] = SplitElement(a, &a_element);
  auto [b_base, b_index] = SplitElement(b, &b_element);
  if (int c = CompareByLengthThenText(a_base, b_base); c != 0) return c < 0;
  if (a_element != b_element) return b_element;  // the array first
  return CompareByLengthThenText(a_index, b_index) < 0;
}

}  // namespace hetsched::spec
