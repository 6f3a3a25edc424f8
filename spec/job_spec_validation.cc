#include "spec/job_spec_validation.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/labels.h"
#include "common/sha256.h"
#include "common/status_macros.h"
#include "common/text_checks.h"
#include "spec/job_array.h"
#include "spec/job_ids.h"

namespace hetsched::spec {
namespace {

absl::Status FieldError(const std::string& field, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

// Lower-case DNS-label-like names: they appear in tables, paths and metrics.
bool IsName(const std::string& s) {
  if (s.empty() || s.size() > 63) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_' || c == '.')) {
      return false;
    }
  }
  return true;
}

bool IsEnvName(const std::string& s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  for (char c : s) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
          (c >= '0' && c <= '9') || c == '_')) {
      return false;
    }
  }
  return true;
}

// Job labels and node selectors: Kubernetes' syntax (common/labels.h),
// at most kMaxLabelsPerObject pairs.
absl::Status ValidateLabels(
    const google::protobuf::Map<std::string, std::string>& labels,
    const std::string& field) {
  if (labels.size() > kMaxLabelsPerObject) {
    return FieldError(field, absl::StrCat("must have at most ",
                                          kMaxLabelsPerObject, " labels"));
  }
  for (const auto& [key, value] : labels) {
    RETURN_IF_ERROR(CheckLabelKey(field, key));
    RETURN_IF_ERROR(CheckLabelValue(absl::StrCat(field, ".", key), value));
  }
  return absl::OkStatus();
}

absl::Status ValidateGroup(const v1::TaskGroupSpec& g, const std::string& at,
                           const AcceleratorCatalogue& catalogue) {
  if (!IsName(g.name())) {
    return FieldError(at + ".name",
                      "must be 1-63 characters of a-z, 0-9, '-', '_', '.'");
  }
  if (g.replicas() < 1 || g.replicas() > kMaxReplicas) {
    return FieldError(at + ".replicas",
                      absl::StrCat("must be between 1 and ", kMaxReplicas));
  }
  if (g.accelerators().count() > kMaxAcceleratorsPerReplica) {
    return FieldError(
        at + ".accelerators.count",
        absl::StrCat("must be between 0 and ", kMaxAcceleratorsPerReplica));
  }
  std::set<std::string> seen;
  for (int i = 0; i < g.accelerators().kinds_size(); ++i) {
    const std::string& kind = g.accelerators().kinds(i);
    const std::string field = absl::StrCat(at, ".accelerators.kinds[", i, "]");
    if (!catalogue.Contains(kind)) {
      return FieldError(
          field, absl::StrCat("unknown accelerator kind '", kind, "' (known: ",
                              absl::StrJoin(catalogue.Kinds(), ", "), ")"));
    }
    if (!seen.insert(kind).second) {
      return FieldError(field, absl::StrCat("'", kind, "' is listed twice"));
    }
  }
  if (g.command().empty() || g.command(0).empty()) {
    return FieldError(at + ".command", "must name a program to run");
  }
  if (g.command_size() > kMaxCommandArgs) {
    return FieldError(
        at + ".command",
        absl::StrCat("must have at most ", kMaxCommandArgs, " arguments"));
  }
  for (int i = 0; i < g.command_size(); ++i) {
    // execve cannot pass a NUL; anything else is the program's business.
    if (g.command(i).find('\0') != std::string::npos) {
      return FieldError(absl::StrCat(at, ".command[", i, "]"),
                        "must not contain a NUL byte");
    }
  }
  if (g.env_size() > kMaxEnvVars) {
    return FieldError(at + ".env", absl::StrCat("must have at most ",
                                                kMaxEnvVars, " variables"));
  }
  RETURN_IF_ERROR(ValidateLabels(g.node_selector(), at + ".node_selector"));
  for (const auto& [key, value] : g.env()) {
    if (!IsEnvName(key)) {
      return FieldError(absl::StrCat(at, ".env.", key),
                        "is not a valid variable name");
    }
    if (IsReservedEnvName(key)) {
      return FieldError(absl::StrCat(at, ".env.", key),
                        "is set by hetsched and cannot be overridden");
    }
    if (value.find('\0') != std::string::npos) {
      return FieldError(absl::StrCat(at, ".env.", key),
                        "must not contain a NUL byte");
    }
  }
  return absl::OkStatus();
}

// depends_on, depends_on_any, depends_on_not_ok and depends_on_corr: job
// ids, each job in one list once, at most kMaxDependencies in all.
absl::Status ValidateDependencies(const v1::JobSpec& spec) {
  const std::pair<const char*,
                  const google::protobuf::RepeatedPtrField<std::string>*>
      lists[] = {{"depends_on", &spec.depends_on()},
                 {"depends_on_any", &spec.depends_on_any()},
                 {"depends_on_not_ok", &spec.depends_on_not_ok()},
                 {"depends_on_corr", &spec.depends_on_corr()}};
  std::map<std::string, std::pair<std::string, int>> seen;  // id -> where
  for (const auto& [name, ids] : lists) {
    for (int i = 0; i < ids->size(); ++i) {
      const std::string& id = ids->Get(i);
      const std::string at = absl::StrCat(name, "[", i, "]");
      if (!IsJobId(id)) {
        return FieldError(at, absl::StrCat("must be a job id such as "
                                           "j-000042 or j-000042_7, got '",
                                           id, "'"));
      }
      if (ids == &spec.depends_on_corr() && !IsWholeJobId(id)) {
        return FieldError(at, absl::StrCat("must be a job array's id such as "
                                           "j-000042, got the element '",
                                           id, "'"));
      }
      auto [it, added] = seen.emplace(id, std::make_pair(name, i));
      if (!added) {
        const auto& [list, index] = it->second;
        return FieldError(at, list == name
                                  ? absl::StrCat(id, " is listed twice")
                                  : absl::StrCat(id, " is already in ", list,
                                                 "[", index, "]"));
      }
      if (seen.size() > static_cast<size_t>(kMaxDependencies)) {
        return FieldError(name,
                          absl::StrCat("must list at most ", kMaxDependencies,
                                       " jobs (all dependency lists)"));
      }
    }
  }
  return absl::OkStatus();
}

// array: Slurm's syntax (job_array.h), for batch jobs; depends_on_corr
// pairs elements, so it needs an array of its own.
absl::Status ValidateArray(const v1::JobSpec& spec) {
  if (spec.array().empty()) {
    if (spec.depends_on_corr_size() > 0) {
      return FieldError("depends_on_corr",
                        "needs array: each element waits for the element of "
                        "the same index");
    }
    return absl::OkStatus();
  }
  if (spec.kind() == v1::JOB_KIND_INFERENCE) {
    return FieldError("array", "is only valid for kind: training");
  }
  auto array = ParseJobArray(spec.array());
  if (!array.ok()) {
    return FieldError("array", std::string(array.status().message()));
  }
  // Every element stores the spec: bound what one submit writes.
  const uint64_t stored = spec.ByteSizeLong() * array->indices.size();
  if (stored > kMaxArrayStoredBytes) {
    return FieldError(
        "array", absl::StrCat(array->indices.size(), " elements of a ",
                              spec.ByteSizeLong(), "-byte spec store ", stored,
                              " bytes, more than ", kMaxArrayStoredBytes,
                              "; split the array or shorten the spec"));
  }
  return absl::OkStatus();
}

// workdir_sha256 and setup (the job's code and its once-per-host step).
absl::Status ValidateWorkdir(const v1::JobSpec& spec) {
  if (!spec.workdir_sha256().empty() && !IsSha256Hex(spec.workdir_sha256())) {
    return FieldError("workdir_sha256", "must be 64 lowercase hex digits");
  }
  if (spec.setup().empty()) return absl::OkStatus();
  if (spec.setup(0).empty()) {
    return FieldError("setup", "must name a program to run");
  }
  if (spec.setup_size() > kMaxCommandArgs) {
    return FieldError("setup", absl::StrCat("must have at most ",
                                            kMaxCommandArgs, " arguments"));
  }
  for (int i = 0; i < spec.setup_size(); ++i) {
    if (spec.setup(i).find('\0') != std::string::npos) {
      return FieldError(absl::StrCat("setup[", i, "]"),
                        "must not contain a NUL byte");
    }
  }
  return absl::OkStatus();
}

}  // namespace

bool IsReservedEnvName(const std::string& name) {
  // The launch contract (docs/job-spec.md): torchrun's names, the
  // devices, and what hetsched tells every task. (HETSCHED_SIM_* are the
  // job's own instructions to simulated hosts, so not reserved.)
  static const std::set<std::string> kReserved = {"RANK",
                                                  "WORLD_SIZE",
                                                  "LOCAL_RANK",
                                                  "LOCAL_WORLD_SIZE",
                                                  "MASTER_ADDR",
                                                  "MASTER_PORT",
                                                  "NNODES",
                                                  "NODE_RANK",
                                                  "NPROC_PER_NODE",
                                                  "CUDA_VISIBLE_DEVICES",
                                                  "NEURON_RT_VISIBLE_CORES",
                                                  "NEURON_RT_ROOT_COMM_ID",
                                                  "HETSCHED_JOB_ID",
                                                  "HETSCHED_ARRAY_JOB_ID",
                                                  "HETSCHED_ARRAY_TASK_ID",
                                                  "HETSCHED_TASK_ID",
                                                  "HETSCHED_ATTEMPT",
                                                  "HETSCHED_RESTART_COUNT",
                                                  "HETSCHED_ACCELERATOR_KIND",
                                                  "HETSCHED_ACCELERATORS",
                                                  "HETSCHED_JOB_DIR",
                                                  "HETSCHED_STOP_REASON_FILE",
                                                  "HETSCHED_PROGRESS_FILE"};
  return kReserved.count(name) > 0 || name.rfind("PET_", 0) == 0;
}

void ApplyJobSpecDefaults(v1::JobSpec& spec) {
  if (spec.queue().empty()) spec.set_queue("default");
  if (spec.kind() == v1::JOB_KIND_UNSPECIFIED) {
    spec.set_kind(v1::JOB_KIND_TRAINING);
  }
  for (int i = 0; i < spec.task_groups_size(); ++i) {
    auto* g = spec.mutable_task_groups(i);
    if (g->name().empty()) {
      g->set_name(spec.task_groups_size() == 1 ? "main"
                                               : absl::StrCat("group-", i));
    }
  }
  if (spec.kind() == v1::JOB_KIND_INFERENCE && spec.task_groups_size() == 1) {
    auto* inf = spec.mutable_inference();
    uint32_t replicas = spec.task_groups(0).replicas();
    if (inf->min_replicas() == 0) inf->set_min_replicas(replicas);
    if (inf->max_replicas() == 0) inf->set_max_replicas(replicas);
  }
}

absl::Status ValidateJobSpec(const v1::JobSpec& spec,
                             const AcceleratorCatalogue& catalogue) {
  if (spec.ByteSizeLong() > kMaxJobSpecBytes) {
    return FieldError("spec",
                      absl::StrCat("must be at most ", kMaxJobSpecBytes,
                                   " bytes, got ", spec.ByteSizeLong()));
  }
  // Over raw gRPC an enum may carry any number; only named values run.
  if (!v1::JobKind_IsValid(spec.kind())) {
    return FieldError("kind", absl::StrCat("unknown value ", spec.kind()));
  }
  if (!v1::TopologyRequirement_IsValid(spec.topology().same_ultraserver())) {
    return FieldError(
        "topology.same_ultraserver",
        absl::StrCat("unknown value ", spec.topology().same_ultraserver()));
  }
  if (!IsName(spec.name())) {
    return FieldError("name",
                      "must be 1-63 characters of a-z, 0-9, '-', '_', '.'");
  }
  if (!spec.queue().empty() && !IsName(spec.queue())) {
    return FieldError("queue",
                      "must be 1-63 characters of a-z, 0-9, '-', '_', '.'");
  }
  if (spec.owner().size() > 128) {
    return FieldError("owner", "must be at most 128 characters");
  }
  if (!IsPrintableText(spec.owner())) {
    return FieldError("owner", "must not contain control characters");
  }
  if (auto s = CheckText("job_class", spec.job_class(), 128); !s.ok()) {
    return s;
  }
  if (spec.retry().max_retries() > kMaxRetries) {
    return FieldError("retry.max_retries",
                      absl::StrCat("must be at most ", kMaxRetries));
  }
  if (spec.inference().max_restarts() > kMaxReplicaRestarts) {
    return FieldError("inference.max_restarts",
                      absl::StrCat("must be at most ", kMaxReplicaRestarts));
  }
  if (spec.priority() < -1000000 || spec.priority() > 1000000) {
    return FieldError("priority", "must be between -1000000 and 1000000");
  }
  if (spec.max_runtime_s() > kMaxRuntimeS) {
    return FieldError(
        "max_runtime_s",
        absl::StrCat("must be at most ", kMaxRuntimeS, " (90 days)"));
  }
  if (spec.termination_grace_s() > kMaxTerminationGraceS) {
    return FieldError(
        "termination_grace_s",
        absl::StrCat("must be at most ", kMaxTerminationGraceS, " (a day)"));
  }
  if (spec.signal_before_timeout_s() != 0 &&
      (spec.max_runtime_s() == 0 ||
       spec.signal_before_timeout_s() >= spec.max_runtime_s())) {
    return FieldError("signal_before_timeout_s",
                      "needs max_runtime_s and must be below it");
  }
  if (spec.task_groups().empty()) {
    return FieldError("task_groups", "must have at least one task group");
  }
  if (spec.task_groups_size() > static_cast<int>(kMaxTaskGroups)) {
    return FieldError("task_groups", absl::StrCat("must have at most ",
                                                  kMaxTaskGroups, " groups"));
  }
  std::set<std::string> names;
  for (int i = 0; i < spec.task_groups_size(); ++i) {
    const std::string at = absl::StrCat("task_groups[", i, "]");
    absl::Status s = ValidateGroup(spec.task_groups(i), at, catalogue);
    if (!s.ok()) return s;
    if (!names.insert(spec.task_groups(i).name()).second) {
      return FieldError(at + ".name",
                        absl::StrCat("'", spec.task_groups(i).name(),
                                     "' is used by another group"));
    }
  }
  uint64_t tasks = 0;
  for (const auto& group : spec.task_groups()) tasks += group.replicas();
  if (tasks > kMaxTasksPerJob) {
    return FieldError("task_groups",
                      absl::StrCat("must have at most ", kMaxTasksPerJob,
                                   " replicas in all, got ", tasks));
  }
  for (int i = 0; i < spec.providers_size(); ++i) {
    if (!IsName(spec.providers(i))) {
      return FieldError(absl::StrCat("providers[", i, "]"),
                        "must be a provider name such as aws, azure, on-prem");
    }
  }
  RETURN_IF_ERROR(ValidateDependencies(spec));
  RETURN_IF_ERROR(ValidateArray(spec));
  RETURN_IF_ERROR(ValidateLabels(spec.labels(), "labels"));
  RETURN_IF_ERROR(ValidateWorkdir(spec));
  if (spec.kind() == v1::JOB_KIND_INFERENCE) {
    const auto& inf = spec.inference();
    if (inf.max_replicas() != 0 && inf.min_replicas() > inf.max_replicas()) {
      return FieldError("inference.min_replicas",
                        "must not exceed inference.max_replicas");
    }
  } else if (spec.has_inference()) {
    return FieldError("inference", "is only valid for kind: inference");
  }
  return absl::OkStatus();
}

}  // namespace hetsched::spec
