#include "common/yaml_message.h"

#include <cctype>
#include <cstdint>
#include <limits>
#include <set>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "common/yaml_keys.h"
#include "google/protobuf/descriptor.h"

namespace hetsched {
namespace {

using google::protobuf::EnumDescriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

absl::Status Error(const std::string& path, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", why));
}

std::string Got(const YAML::Node& node) {
  return node.IsScalar() ? absl::StrCat(", got '", node.Scalar(), "'") : "";
}

// JobKind -> "JOB_KIND_": the prefix protobuf's style puts on every value.
std::string EnumPrefix(const EnumDescriptor& type) {
  std::string prefix;
  for (char c : type.name()) {
    if (std::isupper(static_cast<unsigned char>(c)) && !prefix.empty()) {
      prefix += '_';
    }
    prefix += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return prefix + "_";
}

std::string EnumWord(const EnumValueDescriptor& value) {
  const std::string prefix = EnumPrefix(*value.type());
  std::string name = value.name();
  if (name.rfind(prefix, 0) == 0) name = name.substr(prefix.size());
  if (value.number() == 0 && name == "UNSPECIFIED") return "none";
  return absl::AsciiStrToLower(name);
}

// "a, b or c" over the enum's values other than the zero one.
std::string EnumChoices(const EnumDescriptor& type) {
  std::vector<std::string> words;
  for (int i = 0; i < type.value_count(); ++i) {
    if (type.value(i)->number() != 0) words.push_back(EnumWord(*type.value(i)));
  }
  if (words.size() < 2) return absl::StrJoin(words, "");
  const std::string last = words.back();
  words.pop_back();
  return absl::StrCat(absl::StrJoin(words, ", "), " or ", last);
}

absl::StatusOr<int64_t> SignedValue(const YAML::Node& node,
                                    const std::string& path, int64_t min,
                                    int64_t max) {
  int64_t v = 0;
  if (!node.IsScalar() || !absl::SimpleAtoi(node.Scalar(), &v)) {
    return Error(path, absl::StrCat("must be an integer", Got(node)));
  }
  if (v < min || v > max) {
    return Error(path, absl::StrCat("must be an integer between ", min, " and ",
                                    max, Got(node)));
  }
  return v;
}

absl::StatusOr<uint64_t> UnsignedValue(const YAML::Node& node,
                                       const std::string& path, uint64_t max) {
  int64_t negative = 0;
  if (node.IsScalar() && absl::SimpleAtoi(node.Scalar(), &negative) &&
      negative < 0) {
    return Error(path,
                 absl::StrCat("must be a non-negative integer", Got(node)));
  }
  uint64_t v = 0;
  if (!node.IsScalar() || !absl::SimpleAtoi(node.Scalar(), &v)) {
    return Error(path, absl::StrCat("must be an integer", Got(node)));
  }
  if (v > max) {
    return Error(path, absl::StrCat("must be at most ", max, Got(node)));
  }
  return v;
}

absl::Status FillMessage(const YAML::Node& node, const std::string& path,
                         Message& message);

// One value of `field` (an element, when the field is repeated).
absl::Status FillValue(const YAML::Node& node, const std::string& path,
                       const FieldDescriptor& field, Message& message) {
  const Reflection& r = *message.GetReflection();
  const bool repeated = field.is_repeated();
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      Message* child = repeated ? r.AddMessage(&message, &field)
                                : r.MutableMessage(&message, &field);
      return node.IsNull() ? absl::OkStatus() : FillMessage(node, path, *child);
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      if (!node.IsScalar()) return Error(path, "must be a string");
      repeated ? r.AddString(&message, &field, node.Scalar())
               : r.SetString(&message, &field, node.Scalar());
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT32: {
      auto v = SignedValue(node, path, std::numeric_limits<int32_t>::min(),
                           std::numeric_limits<int32_t>::max());
      if (!v.ok()) return v.status();
      const auto n = static_cast<int32_t>(*v);
      repeated ? r.AddInt32(&message, &field, n)
               : r.SetInt32(&message, &field, n);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      auto v = SignedValue(node, path, std::numeric_limits<int64_t>::min(),
                           std::numeric_limits<int64_t>::max());
      if (!v.ok()) return v.status();
      repeated ? r.AddInt64(&message, &field, *v)
               : r.SetInt64(&message, &field, *v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      auto v = UnsignedValue(node, path, std::numeric_limits<uint32_t>::max());
      if (!v.ok()) return v.status();
      const auto n = static_cast<uint32_t>(*v);
      repeated ? r.AddUInt32(&message, &field, n)
               : r.SetUInt32(&message, &field, n);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      auto v = UnsignedValue(node, path, std::numeric_limits<uint64_t>::max());
      if (!v.ok()) return v.status();
      repeated ? r.AddUInt64(&message, &field, *v)
               : r.SetUInt64(&message, &field, *v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT: {
      double v = 0;
      if (!node.IsScalar() || !YAML::convert<double>::decode(node, v)) {
        return Error(path, absl::StrCat("must be a number", Got(node)));
      }
      if (field.cpp_type() == FieldDescriptor::CPPTYPE_FLOAT) {
        const auto f = static_cast<float>(v);
        repeated ? r.AddFloat(&message, &field, f)
                 : r.SetFloat(&message, &field, f);
      } else {
        repeated ? r.AddDouble(&message, &field, v)
                 : r.SetDouble(&message, &field, v);
      }
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      bool v = false;
      if (!node.IsScalar() || !YAML::convert<bool>::decode(node, v)) {
        return Error(path, absl::StrCat("must be true or false", Got(node)));
      }
      repeated ? r.AddBool(&message, &field, v)
               : r.SetBool(&message, &field, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const EnumDescriptor& type = *field.enum_type();
      for (int i = 0; node.IsScalar() && i < type.value_count(); ++i) {
        if (EnumWord(*type.value(i)) != node.Scalar()) continue;
        repeated ? r.AddEnumValue(&message, &field, type.value(i)->number())
                 : r.SetEnumValue(&message, &field, type.value(i)->number());
        return absl::OkStatus();
      }
      return Error(path,
                   absl::StrCat("must be ", EnumChoices(type), Got(node)));
    }
  }
  return Error(path, "has a type this loader does not read");
}

// A map field: a mapping of scalar keys, each once.
absl::Status FillMap(const YAML::Node& node, const std::string& path,
                     const FieldDescriptor& field, Message& message) {
  if (!node.IsMap()) return Error(path, "must be a mapping");
  const FieldDescriptor& key_field = *field.message_type()->map_key();
  const FieldDescriptor& value_field = *field.message_type()->map_value();
  std::set<std::string> seen;
  for (const auto& kv : node) {
    if (!kv.first.IsScalar()) return Error(path, "keys must be strings");
    const std::string key = kv.first.Scalar();
    const std::string at = absl::StrCat(path, ".", key);
    if (!seen.insert(key).second) return Error(at, "given twice");
    Message* entry = message.GetReflection()->AddMessage(&message, &field);
    if (key_field.cpp_type() != FieldDescriptor::CPPTYPE_STRING) {
      return Error(path, "has keys this loader does not read");
    }
    entry->GetReflection()->SetString(entry, &key_field, key);
    if (value_field.cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
        kv.second.IsNull()) {
      continue;
    }
    RETURN_IF_ERROR(FillValue(kv.second, at, value_field, *entry));
  }
  return absl::OkStatus();
}

absl::Status FillMessage(const YAML::Node& node, const std::string& path,
                         Message& message) {
  const google::protobuf::Descriptor& type = *message.GetDescriptor();
  std::set<std::string> names;
  for (int i = 0; i < type.field_count(); ++i) {
    names.insert(type.field(i)->name());
  }
  if (absl::Status s = CheckYamlKeys(node, names, path); !s.ok()) return s;
  for (const auto& kv : node) {
    const FieldDescriptor& field = *type.FindFieldByName(kv.first.Scalar());
    const std::string at =
        path.empty() ? field.name() : absl::StrCat(path, ".", field.name());
    absl::Status s;
    if (field.is_map()) {
      s = kv.second.IsNull() ? absl::OkStatus()
                             : FillMap(kv.second, at, field, message);
    } else if (field.is_repeated()) {
      if (kv.second.IsNull()) continue;
      if (!kv.second.IsSequence()) return Error(at, "must be a list");
      for (size_t i = 0; i < kv.second.size() && s.ok(); ++i) {
        s = FillValue(kv.second[i], absl::StrCat(at, "[", i, "]"), field,
                      message);
      }
    } else {
      s = FillValue(kv.second, at, field, message);
    }
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status FromException(const YAML::Exception& e) {
  return absl::InvalidArgumentError(absl::StrCat(
      "line ", e.mark.line + 1, ", column ", e.mark.column + 1, ": ", e.msg));
}

}  // namespace

absl::Status YamlToMessage(const YAML::Node& node,
                           google::protobuf::Message& message,
                           const std::string& root_name) {
  if (!node.IsMap()) return Error(root_name, "must be a mapping");
  // The walk checks every node's type before reading it, but yaml-cpp
  // still throws on shapes it cannot iterate; none may leave here.
  try {
    return FillMessage(node, "", message);
  } catch (const YAML::Exception& e) {
    return FromException(e);
  }
}

absl::StatusOr<YAML::Node> ParseYamlText(const std::string& text) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return FromException(e);
  }
}

}  // namespace hetsched
