// Labels on jobs and nodes and the selectors that pick them, written as
// Kubernetes writes them, so operators' habits carry over:
//  - a key is "[prefix/]name": the name 1-63 characters of letters,
//    digits, '-', '_', '.', starting and ending with a letter or digit;
//    the optional prefix a lower-case DNS subdomain of at most 253;
//  - a value is empty or follows the name's rule;
//  - a selector is requirements joined by commas, all of which must hold:
//    "key=value" (or "=="), "key!=value", "key" (present), "!key" (absent).
//    "!=" also matches an object without the key, as in Kubernetes.
//
// Thread-safe: values and free functions.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hetsched {

using Labels = std::map<std::string, std::string, std::less<>>;

inline constexpr size_t kMaxLabelsPerObject = 64;

// OK, or INVALID_ARGUMENT naming `field` and what is wrong.
absl::Status CheckLabelKey(absl::string_view field, absl::string_view key);
absl::Status CheckLabelValue(absl::string_view field, absl::string_view value);

class LabelSelector {
 public:
  enum class Op { kEquals, kNotEquals, kExists, kNotExists };
  struct Requirement {
    std::string key;
    Op op = Op::kExists;
    std::string value;
  };

  // The empty selector matches everything. INVALID_ARGUMENT naming
  // `field` for a requirement that does not parse or a bad key or value.
  static absl::StatusOr<LabelSelector> Parse(absl::string_view text,
                                             absl::string_view field);

  bool empty() const { return requirements_.empty(); }
  const std::vector<Requirement>& requirements() const { return requirements_; }

  // `Map` is any map of string to string with find() and end(): a std::map
  // or a protobuf map field.
  template <typename Map>
  bool Matches(const Map& labels) const {
    for (const Requirement& r : requirements_) {
      auto it = labels.find(r.key);
      const bool present = it != labels.end();
      bool ok = false;
      switch (r.op) {
        case Op::kEquals:
          ok = present && it->second == r.value;
          break;
        case Op::kNotEquals:
          ok = !present || it->second != r.value;
          break;
        case Op::kExists:
          ok = present;
          break;
        case Op::kNotExists:
          ok = !present;
          break;
      }
      if (!ok) return false;
    }
    return true;
  }

  // Canonical text: requirements in the order given.
  std::string ToString() const;

 private:
  std::vector<Requirement> requirements_;
};

}  // namespace hetsched
