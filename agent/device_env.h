// Which devices a task may see: the variables the agent sets from an
// assignment's device_indices. Pure functions; thread-safe.
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

}  // namespace hetsched::agent
