// A small, strict JSON parser (RFC 8259): objects, arrays, strings (with
// \u escapes and surrogate pairs, decoded to UTF-8), numbers, true, false
// and null. Enough to read hetsched-calibrate documents back without a
// third-party library. Values are plain data; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "calibration/status.h"

namespace hetsched::calibrate {

class JsonValue {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  using Members = std::vector<std::pair<std::string, JsonValue>>;

  JsonValue() = default;
  static JsonValue MakeBool(bool value);
  static JsonValue MakeNumber(double value);
  static JsonValue MakeString(std::string value);
  static JsonValue MakeArray(std::vector<JsonValue> items);
  static JsonValue MakeObject(Members members);

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_number() const { return type_ == Type::kNumber; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_object() const { return type_ == Type::kObject; }

  // Each accessor returns its type's empty value for another type.
  bool bool_value() const { return bool_; }
  double number_value() const { return number_; }
  const std::string& string_value() const { return string_; }
  const std::vector<JsonValue>& array_items() const { return items_; }
  const Members& object_members() const { return members_; }

  // The first member named `key`; nullptr when absent or not an object.
  const JsonValue* Find(std::string_view key) const;

 private:
  Type type_ = Type::kNull;
  bool bool_ = false;
  double number_ = 0.0;
  std::string string_;
  std::vector<JsonValue> items_;
  Members members_;
};

// Parses one JSON document (surrounding whitespace allowed, nothing else).
// Nesting deeper than 128 levels is rejected. On error returns
// INVALID_ARGUMENT naming the byte offset and leaves `value` untouched.
Status ParseJson(std::string_view text, JsonValue* value);

}  // namespace hetsched::calibrate
