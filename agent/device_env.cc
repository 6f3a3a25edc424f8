#include "agent/device_env.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/accelerator_catalogue.h"

namespace hetsched::agent {

uint32_t DefaultNeuronCoresPerDevice(const std::string& kind) {
  if (kind == "aws/trainium2") return 8;
  if (VendorOf(kind) == "aws") return 2;
  return 0;
}

absl::StatusOr<EnvList> DeviceVisibilityEnv(
    const std::string& kind, const std::vector<uint32_t>& indices,
    uint32_t cores_per_device) {
  if (std::set<uint32_t>(indices.begin(), indices.end()).size() !=
      indices.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "device_indices: duplicate index in ", absl::StrJoin(indices, ",")));
  }
  const std::string_view vendor = VendorOf(kind);
  if (vendor == "nvidia") {
    return EnvList{{"CUDA_VISIBLE_DEVICES", absl::StrJoin(indices, ",")},
                   {"CUDA_DEVICE_ORDER", "PCI_BUS_ID"}};
  }
  if (vendor != "aws" || indices.empty()) return EnvList{};
  std::vector<uint32_t> sorted = indices;
  std::sort(sorted.begin(), sorted.end());
  if (sorted.back() - sorted.front() + 1 != sorted.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("device_indices: Neuron chips must be contiguous, got ",
                     absl::StrJoin(indices, ",")));
  }
  const uint64_t per = cores_per_device != 0
                           ? cores_per_device
                           : DefaultNeuronCoresPerDevice(kind);
  const uint64_t first = sorted.front() * per;
  const uint64_t last = (uint64_t{sorted.back()} + 1) * per - 1;
  return EnvList{
      {"NEURON_RT_VISIBLE_CORES",
       first == last ? absl::StrCat(first) : absl::StrCat(first, "-", last)}};
}

EnvList HostContractEnv(const HostContract& contract) {
  return EnvList{
      {"HETSCHED_ACCELERATOR_KIND", contract.accelerator_kind},
      {"HETSCHED_ACCELERATORS", absl::StrCat(contract.accelerators)},
      {"HETSCHED_JOB_DIR", contract.job_dir},
      {"HETSCHED_STOP_REASON_FILE", contract.stop_reason_file},
      {"HETSCHED_PROGRESS_FILE", contract.progress_file},
  };
}

}  // namespace hetsched::agent
