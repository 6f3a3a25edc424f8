#include "common/labels.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace hetsched {
namespace {

absl::Status FieldError(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

bool IsAlnum(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c));
}

// Kubernetes' "qualified name" part: alphanumeric at both ends, and
// '-', '_', '.' between.
bool IsLabelName(absl::string_view s) {
  if (s.empty() || s.size() > 63 || !IsAlnum(s.front()) || !IsAlnum(s.back())) {
    return false;
  }
  for (char c : s) {
    if (!IsAlnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

// A lower-case DNS subdomain: labels of a-z, 0-9 and '-' joined by dots.
bool IsDnsSubdomain(absl::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  for (absl::string_view part : absl::StrSplit(s, '.')) {
    if (part.empty() || part.size() > 63 || part.front() == '-' ||
        part.back() == '-') {
      return false;
    }
    for (char c : part) {
      if (!(absl::ascii_islower(static_cast<unsigned char>(c)) ||
            absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '-')) {
        return false;
      }
    }
  }
  return true;
}

}  // namespace

absl::Status CheckLabelKey(absl::string_view field, absl::string_view key) {
  const size_t slash = key.find('/');
  absl::string_view name = key;
  if (slash != absl::string_view::npos) {
    if (!IsDnsSubdomain(key.substr(0, slash))) {
      return FieldError(field,
                        absl::StrCat("key prefix of '", key.substr(0, 64),
                                     "' must be a lower-case DNS "
                                     "subdomain (e.g. example.com)"));
    }
    name = key.substr(slash + 1);
  }
  if (!IsLabelName(name)) {
    return FieldError(
        field, absl::StrCat("key '", key.substr(0, 64),
                            "' must be [prefix/]name with a name of 1-63 "
                            "letters, digits, '-', '_', '.', starting and "
                            "ending with a letter or digit"));
  }
  return absl::OkStatus();
}

absl::Status CheckLabelValue(absl::string_view field, absl::string_view value) {
  if (value.empty() || IsLabelName(value)) return absl::OkStatus();
  return FieldError(field,
                    absl::StrCat("value '", value.substr(0, 64),
                                 "' must be empty or 1-63 letters, digits, "
                                 "'-', '_', '.', starting and ending with a "
                                 "letter or digit"));
}

absl::StatusOr<LabelSelector> LabelSelector::Parse(absl::string_view text,
                                                   absl::string_view field) {
  LabelSelector selector;
  if (absl::StripAsciiWhitespace(text).empty()) return selector;
  for (absl::string_view part : absl::StrSplit(text, ',')) {
    part = absl::StripAsciiWhitespace(part);
    Requirement r;
    absl::string_view key;
    absl::string_view value;
    if (size_t at = part.find("!="); at != absl::string_view::npos) {
      r.op = Op::kNotEquals;
      key = part.substr(0, at);
      value = part.substr(at + 2);
    } else if (at = part.find("=="); at != absl::string_view::npos) {
      r.op = Op::kEquals;
      key = part.substr(0, at);
      value = part.substr(at + 2);
    } else if (at = part.find('='); at != absl::string_view::npos) {
      r.op = Op::kEquals;
      key = part.substr(0, at);
      value = part.substr(at + 1);
    } else if (absl::ConsumePrefix(&part, "!")) {
      r.op = Op::kNotExists;
      key = part;
    } else {
      r.op = Op::kExists;
      key = part;
    }
    key = absl::StripAsciiWhitespace(key);
    value = absl::StripAsciiWhitespace(value);
    if (key.empty()) {
      return FieldError(field,
                        "every requirement needs a key (key=value, "
                        "key!=value, key or !key, joined by commas)");
    }
    if (auto s = CheckLabelKey(field, key); !s.ok()) return s;
    if (auto s = CheckLabelValue(field, value); !s.ok()) return s;
    r.key = std::string(key);
    r.value = std::string(value);
    selector.requirements_.push_back(std::move(r));
  }
  return selector;
}

std::string LabelSelector::ToString() const {
  std::string out;
  for (const Requirement& r : requirements_) {
    if (!out.empty()) out += ',';
    switch (r.op) {
      case Op::kEquals:
        absl::StrAppend(&out, r.key, "=", r.value);
        break;
      case Op::kNotEquals:
        absl::StrAppend(&out, r.key, "!=", r.value);
        break;
      case Op::kExists:
        out += r.key;
        break;
      case Op::kNotExists:
        absl::StrAppend(&out, "!", r.key);
        break;
    }
  }
  return out;
}

}  // namespace hetsched
