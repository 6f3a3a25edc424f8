#include "spec/job_spec_yaml.h"

#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/yaml_keys.h"
#include "yaml-cpp/yaml.h"

namespace hetsched::spec {
namespace {

using hetsched::v1::JobSpec;
using hetsched::v1::TaskGroupSpec;

absl::Status FieldError(const std::string& field, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

// Rejects keys outside `allowed` and keys given twice, so a typo is an
// error rather than a silently ignored setting.
absl::Status CheckKeys(const YAML::Node& map, const std::string& where,
                       const std::set<std::string>& allowed) {
  if (!map.IsMap()) {
    return FieldError(where.empty() ? "spec" : where, "must be a mapping");
  }
  return CheckYamlKeys(map, allowed, where);
}

template <typename T>
absl::StatusOr<T> Scalar(const YAML::Node& node, const std::string& field,
                         const char* type_name) {
  if (!node.IsScalar())
    return FieldError(field, absl::StrCat("must be ", type_name));
  try {
    return node.as<T>();
  } catch (const YAML::Exception&) {
    return FieldError(field, absl::StrCat("must be ", type_name, ", got '",
                                          node.Scalar(), "'"));
  }
}

absl::StatusOr<std::vector<std::string>> StringList(const YAML::Node& node,
                                                    const std::string& field) {
  if (!node.IsSequence()) return FieldError(field, "must be a list of strings");
  std::vector<std::string> out;
  for (size_t i = 0; i < node.size(); ++i) {
    ASSIGN_OR_RETURN(
        auto s, Scalar<std::string>(node[i], absl::StrCat(field, "[", i, "]"),
                                    "a string"));
    out.push_back(std::move(s));
  }
  return out;
}

// A mapping of string to string (env, labels, node_selector).
absl::Status StringMap(const YAML::Node& node, const std::string& field,
                       google::protobuf::Map<std::string, std::string>& out) {
  if (!node.IsMap()) return FieldError(field, "must be a mapping");
  for (const auto& kv : node) {
    ASSIGN_OR_RETURN(auto key,
                     Scalar<std::string>(kv.first, field + " key", "a string"));
    ASSIGN_OR_RETURN(auto value,
                     Scalar<std::string>(
                         kv.second, absl::StrCat(field, ".", key), "a string"));
    out[key] = std::move(value);
  }
  return absl::OkStatus();
}

absl::Status ParseTaskGroup(const YAML::Node& y, const std::string& where,
                            TaskGroupSpec& g) {
  RETURN_IF_ERROR(CheckKeys(y, where,
                            {"name", "replicas", "accelerators", "command",
                             "env", "memory_bytes", "node_selector"}));
  if (y["name"]) {
    ASSIGN_OR_RETURN(
        *g.mutable_name(),
        Scalar<std::string>(y["name"], where + ".name", "a string"));
  }
  if (y["replicas"]) {
    ASSIGN_OR_RETURN(
        int64_t r,
        Scalar<int64_t>(y["replicas"], where + ".replicas", "an integer"));
    if (r < 0 || r > UINT32_MAX) {
      return FieldError(where + ".replicas", "must be between 1 and 4096");
    }
    g.set_replicas(static_cast<uint32_t>(r));
  }
  if (const YAML::Node a = y["accelerators"]) {
    const std::string aw = where + ".accelerators";
    RETURN_IF_ERROR(CheckKeys(a, aw, {"count", "kinds"}));
    if (a["count"]) {
      ASSIGN_OR_RETURN(
          int64_t c, Scalar<int64_t>(a["count"], aw + ".count", "an integer"));
      if (c < 0 || c > UINT32_MAX) {
        return FieldError(aw + ".count", "must be between 0 and 4096");
      }
      g.mutable_accelerators()->set_count(static_cast<uint32_t>(c));
    }
    if (a["kinds"] && !a["kinds"].IsNull()) {
      ASSIGN_OR_RETURN(auto kinds, StringList(a["kinds"], aw + ".kinds"));
      for (auto& k : kinds) g.mutable_accelerators()->add_kinds(std::move(k));
    }
  }
  if (y["command"]) {
    ASSIGN_OR_RETURN(auto argv, StringList(y["command"], where + ".command"));
    for (auto& arg : argv) g.add_command(std::move(arg));
  }
  if (y["env"]) {
    RETURN_IF_ERROR(StringMap(y["env"], where + ".env", *g.mutable_env()));
  }
  if (y["node_selector"]) {
    RETURN_IF_ERROR(StringMap(y["node_selector"], where + ".node_selector",
                              *g.mutable_node_selector()));
  }
  if (y["memory_bytes"]) {
    ASSIGN_OR_RETURN(
        uint64_t m, Scalar<uint64_t>(y["memory_bytes"], where + ".memory_bytes",
                                     "a non-negative integer"));
    g.set_memory_bytes(m);
  }
  return absl::OkStatus();
}

absl::Status ParseTopology(const YAML::Node& y, JobSpec& spec) {
  RETURN_IF_ERROR(CheckKeys(y, "topology", {"same_ultraserver"}));
  if (!y["same_ultraserver"]) return absl::OkStatus();
  ASSIGN_OR_RETURN(
      auto word, Scalar<std::string>(y["same_ultraserver"],
                                     "topology.same_ultraserver", "a string"));
  if (word == "required") {
    spec.mutable_topology()->set_same_ultraserver(
        v1::TOPOLOGY_REQUIREMENT_REQUIRED);
  } else if (word == "preferred") {
    spec.mutable_topology()->set_same_ultraserver(
        v1::TOPOLOGY_REQUIREMENT_PREFERRED);
  } else if (word != "none") {
    return FieldError(
        "topology.same_ultraserver",
        absl::StrCat("must be required, preferred or none, got '", word, "'"));
  }
  return absl::OkStatus();
}

absl::Status ParseRoot(const YAML::Node& y, JobSpec& spec) {
  RETURN_IF_ERROR(CheckKeys(y, "",
                            {"name",
                             "owner",
                             "queue",
                             "priority",
                             "kind",
                             "max_runtime_s",
                             "topology",
                             "task_groups",
                             "preemptible",
                             "retry",
                             "providers",
                             "job_class",
                             "allow_degraded",
                             "inference",
                             "depends_on",
                             "depends_on_any",
                             "depends_on_not_ok",
                             "singleton",
                             "termination_grace_s",
                             "signal_before_timeout_s",
                             "labels"}));
  if (y["name"]) {
    ASSIGN_OR_RETURN(*spec.mutable_name(),
                     Scalar<std::string>(y["name"], "name", "a string"));
  }
  if (y["owner"]) {
    ASSIGN_OR_RETURN(*spec.mutable_owner(),
                     Scalar<std::string>(y["owner"], "owner", "a string"));
  }
  if (y["queue"]) {
    ASSIGN_OR_RETURN(*spec.mutable_queue(),
                     Scalar<std::string>(y["queue"], "queue", "a string"));
  }
  if (y["job_class"]) {
    ASSIGN_OR_RETURN(
        *spec.mutable_job_class(),
        Scalar<std::string>(y["job_class"], "job_class", "a string"));
  }
  if (y["priority"]) {
    ASSIGN_OR_RETURN(int32_t p,
                     Scalar<int32_t>(y["priority"], "priority", "an integer"));
    spec.set_priority(p);
  }
  if (y["kind"]) {
    ASSIGN_OR_RETURN(auto kind,
                     Scalar<std::string>(y["kind"], "kind", "a string"));
    if (kind == "training") {
      spec.set_kind(v1::JOB_KIND_TRAINING);
    } else if (kind == "inference") {
      spec.set_kind(v1::JOB_KIND_INFERENCE);
    } else {
      return FieldError(
          "kind",
          absl::StrCat("must be training or inference, got '", kind, "'"));
    }
  }
  if (y["max_runtime_s"]) {
    ASSIGN_OR_RETURN(uint64_t s,
                     Scalar<uint64_t>(y["max_runtime_s"], "max_runtime_s",
                                      "a non-negative integer"));
    spec.set_max_runtime_s(s);
  }
  if (y["termination_grace_s"]) {
    ASSIGN_OR_RETURN(uint32_t s, Scalar<uint32_t>(y["termination_grace_s"],
                                                  "termination_grace_s",
                                                  "a non-negative integer"));
    spec.set_termination_grace_s(s);
  }
  if (y["signal_before_timeout_s"]) {
    ASSIGN_OR_RETURN(uint32_t s, Scalar<uint32_t>(y["signal_before_timeout_s"],
                                                  "signal_before_timeout_s",
                                                  "a non-negative integer"));
    spec.set_signal_before_timeout_s(s);
  }
  if (y["preemptible"]) {
    ASSIGN_OR_RETURN(
        bool b, Scalar<bool>(y["preemptible"], "preemptible", "true or false"));
    spec.set_preemptible(b);
  }
  if (y["allow_degraded"]) {
    ASSIGN_OR_RETURN(bool b, Scalar<bool>(y["allow_degraded"], "allow_degraded",
                                          "true or false"));
    spec.set_allow_degraded(b);
  }
  if (y["providers"]) {
    ASSIGN_OR_RETURN(auto providers, StringList(y["providers"], "providers"));
    for (auto& p : providers) spec.add_providers(std::move(p));
  }
  if (y["depends_on"]) {
    ASSIGN_OR_RETURN(auto ids, StringList(y["depends_on"], "depends_on"));
    for (auto& id : ids) spec.add_depends_on(std::move(id));
  }
  if (y["depends_on_any"]) {
    ASSIGN_OR_RETURN(auto ids,
                     StringList(y["depends_on_any"], "depends_on_any"));
    for (auto& id : ids) spec.add_depends_on_any(std::move(id));
  }
  if (y["depends_on_not_ok"]) {
    ASSIGN_OR_RETURN(auto ids,
                     StringList(y["depends_on_not_ok"], "depends_on_not_ok"));
    for (auto& id : ids) spec.add_depends_on_not_ok(std::move(id));
  }
  if (y["labels"]) {
    RETURN_IF_ERROR(StringMap(y["labels"], "labels", *spec.mutable_labels()));
  }
  if (y["singleton"]) {
    ASSIGN_OR_RETURN(
        bool b, Scalar<bool>(y["singleton"], "singleton", "true or false"));
    spec.set_singleton(b);
  }
  if (const YAML::Node r = y["retry"]) {
    RETURN_IF_ERROR(CheckKeys(r, "retry", {"max_retries"}));
    if (r["max_retries"]) {
      ASSIGN_OR_RETURN(uint32_t n,
                       Scalar<uint32_t>(r["max_retries"], "retry.max_retries",
                                        "a non-negative integer"));
      spec.mutable_retry()->set_max_retries(n);
    }
  }
  if (const YAML::Node inf = y["inference"]) {
    RETURN_IF_ERROR(CheckKeys(
        inf, "inference", {"min_replicas", "max_replicas", "max_restarts"}));
    auto* out = spec.mutable_inference();
    if (inf["min_replicas"]) {
      ASSIGN_OR_RETURN(uint32_t n, Scalar<uint32_t>(inf["min_replicas"],
                                                    "inference.min_replicas",
                                                    "a non-negative integer"));
      out->set_min_replicas(n);
    }
    if (inf["max_replicas"]) {
      ASSIGN_OR_RETURN(uint32_t n, Scalar<uint32_t>(inf["max_replicas"],
                                                    "inference.max_replicas",
                                                    "a non-negative integer"));
      out->set_max_replicas(n);
    }
    if (inf["max_restarts"]) {
      ASSIGN_OR_RETURN(uint32_t n, Scalar<uint32_t>(inf["max_restarts"],
                                                    "inference.max_restarts",
                                                    "a non-negative integer"));
      out->set_max_restarts(n);
    }
  }
  if (y["topology"]) RETURN_IF_ERROR(ParseTopology(y["topology"], spec));
  if (const YAML::Node groups = y["task_groups"]) {
    if (!groups.IsSequence())
      return FieldError("task_groups", "must be a list");
    for (size_t i = 0; i < groups.size(); ++i) {
      RETURN_IF_ERROR(ParseTaskGroup(groups[i],
                                     absl::StrCat("task_groups[", i, "]"),
                                     *spec.add_task_groups()));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<JobSpec> ParseJobSpecYaml(const std::string& text) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        "line ", e.mark.line + 1, ", column ", e.mark.column + 1, ": ", e.msg));
  }
  JobSpec spec;
  // The mapper checks types, but yaml-cpp still throws where a key is not a
  // scalar ("? [a]: b"); no exception may leave this function.
  try {
    RETURN_IF_ERROR(ParseRoot(root, spec));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        "line ", e.mark.line + 1, ", column ", e.mark.column + 1, ": ", e.msg));
  }
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
