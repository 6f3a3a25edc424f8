// Reads a job spec from YAML (the format of docs/job-spec.md) into the API
// message. Only the shape is checked here: unknown keys, wrong types and
// bad enum words are INVALID_ARGUMENT naming the field; ValidateJobSpec
// checks the values. Stateless and thread-safe.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "hetsched/v1/job.pb.h"

namespace hetsched::spec {

absl::StatusOr<hetsched::v1::JobSpec> ParseJobSpecYaml(const std::string& text);
// Reads `path`; errors name the file.
absl::StatusOr<hetsched::v1::JobSpec> LoadJobSpecFile(const std::string& path);

}  // namespace hetsched::spec
