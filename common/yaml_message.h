// One strict YAML-to-protobuf loader for every file hetsched reads (job
// specs, inventories, queues, catalogues): each file format is a message,
// and its YAML keys are the message's field names. A typo, a key given
// twice, a value of the wrong type or out of range is an error naming its
// path ("task_groups[0].replicas: must be an integer, got 'two'"), never a
// silently ignored setting. What a value means (ranges beyond the type,
// required fields, cross-field rules) stays with each format's validator.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "yaml-cpp/yaml.h"

namespace hetsched {

// Fills `message` from the mapping `node`, field by field:
//   - scalars: strings; integers in decimal, within the field's type
//     (unsigned fields refuse negatives); numbers (YAML's .inf and .nan
//     included: validators decide); true/false;
//   - enums: the value's name without the enum type's prefix, in lower
//     case ("training" for JobKind's JOB_KIND_TRAINING); the zero value
//     *_UNSPECIFIED is "none";
//   - repeated fields: a list; map fields: a mapping of string keys;
//   - messages: a mapping; a key with no value leaves a list, map or
//     message empty.
// Errors are INVALID_ARGUMENT "<path>: <reason>"; `root_name` names the
// document itself when it is not a mapping. No exception escapes.
absl::Status YamlToMessage(const YAML::Node& node,
                           google::protobuf::Message& message,
                           const std::string& root_name = "document");

// Parses YAML text: INVALID_ARGUMENT "line L, column C: reason" when it
// is not YAML.
absl::StatusOr<YAML::Node> ParseYamlText(const std::string& text);

}  // namespace hetsched
