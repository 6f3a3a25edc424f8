// Checks the values of a job spec; the one place that says what a valid
// job is, shared by the CLI (exit code 2) and the scheduler
// (INVALID_ARGUMENT). Errors name the field: "task_groups[0].replicas:
// must be between 1 and 4096". Thread-safe.
#pragma once

#include "absl/status/status.h"
#include "common/accelerator_catalogue.h"
#include "hetsched/v1/job.pb.h"

namespace hetsched::spec {

inline constexpr uint32_t kMaxReplicas = 4096;
inline constexpr uint32_t kMaxAcceleratorsPerReplica = 4096;
inline constexpr size_t kMaxTaskGroups = 64;
inline constexpr uint64_t kMaxRuntimeS = 90ull * 24 * 3600;
inline constexpr int kMaxDependencies = 64;

// Variables the scheduler and agent set for every task; a job may not
// override them.
bool IsReservedEnvName(const std::string& name);

absl::Status ValidateJobSpec(const hetsched::v1::JobSpec& spec,
                             const AcceleratorCatalogue& catalogue);

// Fills what may be omitted: queue "default", kind training, group names.
void ApplyJobSpecDefaults(hetsched::v1::JobSpec& spec);

}  // namespace hetsched::spec
