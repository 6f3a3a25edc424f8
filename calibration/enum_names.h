// Looks an enum value up by its name, for the small closed enums of
// hetsched-calibrate (sections, dtypes, collectives, statuses) whose names
// appear in flags and JSON. Pure; thread-safe.
#pragma once

#include <algorithm>
#include <string_view>

namespace hetsched::calibrate {

// Sets *out to the element of `values` whose name(value) equals `text`;
// false (and *out untouched) when there is none.
template <typename Range, typename Enum, typename NameFn>
bool ParseEnumName(std::string_view text, const Range& values, NameFn name,
                   Enum* out) {
  const auto it = std::find_if(std::begin(values), std::end(values),
                               [&](Enum v) { return text == name(v); });
  if (it == std::end(values)) return false;
  *out = *it;
  return true;
}

}  // namespace hetsched::calibrate
