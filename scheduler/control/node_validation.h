// What a valid node registration is: checked as strictly as an inventory
// file, because a registration comes over the network. Errors name the
// field ("node.accelerators[3].index: 2 is used twice"). Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "common/accelerator_catalogue.h"
#include "hetsched/v1/node.pb.h"

namespace hetsched::control {

inline constexpr size_t kMaxNodeNameBytes = 63;
inline constexpr int kMaxAcceleratorsPerNode = 1024;
inline constexpr int kMaxNodeLabels = 64;
inline constexpr size_t kMaxLabelKeyBytes = 63;
inline constexpr size_t kMaxLabelValueBytes = 256;
inline constexpr size_t kMaxNodeTextBytes = 256;
inline constexpr uint32_t kMaxCpusPerNode = 65536;
inline constexpr double kMaxPricePerAcceleratorHour = 10000;

// Node names: 1-63 of a-z, A-Z, 0-9, '-', '_', '.', starting with a letter
// or digit. They become paths, metric labels and certificate names.
bool IsNodeName(const std::string& name);

absl::Status ValidateNodeInfo(const v1::NodeInfo& info,
                              const AcceleratorCatalogue& catalogue);

}  // namespace hetsched::control
