#include "spec/job_spec_yaml.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/yaml_message.h"

namespace hetsched::spec {

using hetsched::v1::JobSpec;

// The YAML keys are JobSpec's field names (docs/job-spec.md), read by the
// shared loader: enum words such as `kind: training` and
// `same_ultraserver: required` are its lower-case value names.
absl::StatusOr<JobSpec> ParseJobSpecYaml(const std::string& text) {
  auto root = ParseYamlText(text);
  if (!root.ok()) return root.status();
  JobSpec spec;
  if (absl::Status s = YamlToMessage(*root, spec, "spec"); !s.ok()) return s;
  return spec;
}

absl::StatusOr<JobSpec> LoadJobSpecFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open file"));
  std::stringstream buffer;
  buffer << in.rdbuf();
  auto spec = ParseJobSpecYaml(buffer.str());
  if (!spec.ok()) {
    return absl::Status(spec.status().code(),
                        absl::StrCat(path, ": ", spec.status().message()));
  }
  return spec;
}

}  // namespace hetsched::spec
