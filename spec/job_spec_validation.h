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
// Replicas over all task groups of one job: every task is a row, an event
// stream and a directory on a host.
inline constexpr uint32_t kMaxTasksPerJob = 4096;
// The whole spec, serialized: bounds what one submit costs the store and
// every later list.
inline constexpr size_t kMaxJobSpecBytes = 1 << 20;
// A job array's elements each store the spec: at most this much in all.
inline constexpr uint64_t kMaxArrayStoredBytes = 64ull << 20;
inline constexpr uint32_t kMaxRetries = 100;
inline constexpr uint32_t kMaxReplicaRestarts = 1000;
inline constexpr int kMaxCommandArgs = 4096;
inline constexpr int kMaxEnvVars = 1024;
inline constexpr uint32_t kMaxTerminationGraceS = 24 * 3600;

// Variables the scheduler and agent set for every task (the launch
// contract: PET_* and the HETSCHED_* it names); a job may not set them.
bool IsReservedEnvName(const std::string& name);

absl::Status ValidateJobSpec(const hetsched::v1::JobSpec& spec,
                             const AcceleratorCatalogue& catalogue);

// Fills what may be omitted: queue "default", kind training, group names.
void ApplyJobSpecDefaults(hetsched::v1::JobSpec& spec);

}  // namespace hetsched::spec
