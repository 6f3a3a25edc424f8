// The part of a task's environment only its host knows: which devices it
// may see (from an assignment's device_indices) and the host's side of the
// launch contract of docs/job-spec.md (kind, count, job directory, stop
// reason file). Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace hetsched::agent {

using EnvList = std::vector<std::pair<std::string, std::string>>;

// NeuronCores per chip when discovery did not say: 8 for Trainium2, 2 for
// Trainium and Inferentia2; 0 for kinds that are not Neuron.
uint32_t DefaultNeuronCoresPerDevice(const std::string& kind);

// The visibility variables for `indices` of accelerators of `kind`:
//  - nvidia/*: CUDA_VISIBLE_DEVICES="2,3" (given order) and
//    CUDA_DEVICE_ORDER=PCI_BUS_ID so CUDA numbers GPUs as NVML does;
//    no indices hides every GPU (CUDA_VISIBLE_DEVICES="").
//  - aws/*: NEURON_RT_VISIBLE_CORES="a-b" (or "a"), the cores of those
//    chips; they must be contiguous chips because Neuron jobs need a
//    contiguous core range. No indices sets nothing.
//  - other vendors: nothing.
// `cores_per_device` 0 means the kind's default. INVALID_ARGUMENT names
// device_indices when they are duplicated or not contiguous.
absl::StatusOr<EnvList> DeviceVisibilityEnv(
    const std::string& kind, const std::vector<uint32_t>& indices,
    uint32_t cores_per_device);

// Where a task finds the agent's files (agent/task_dirs.h).
struct HostContract {
  std::string accelerator_kind;  // "" when the host has none
  size_t accelerators = 0;       // devices given to this replica
  std::string job_dir;           // stable across attempts
  std::string stop_reason_file;  // written before SIGTERM
  std::string progress_file;     // agent/progress_reporter.h
};

// HETSCHED_ACCELERATOR_KIND, HETSCHED_ACCELERATORS, HETSCHED_JOB_DIR,
// HETSCHED_STOP_REASON_FILE and HETSCHED_PROGRESS_FILE, in that order.
EnvList HostContractEnv(const HostContract& contract);

}  // namespace hetsched::agent
