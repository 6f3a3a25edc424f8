// NVIDIA GPU discovery through NVML, loaded with dlopen at run time so the
// agent never depends on the driver: on a host without libnvidia-ml.so.1 (or
// without GPUs) it reports zero GPUs and says why. Thread-compatible.
#pragma once

#include <string>
#include <string_view>

#include "agent/discovery.h"

namespace hetsched::agent {

class NvmlDiscovery final : public AcceleratorDiscovery {
 public:
  explicit NvmlDiscovery(std::string library = "libnvidia-ml.so.1")
      : library_(std::move(library)) {}
  // Never fails: a missing library or NVML error is zero GPUs plus a note.
  absl::StatusOr<HostDescription> Discover() override;

 private:
  std::string library_;
};

// Maps an NVML product name ("NVIDIA H100 80GB HBM3", "Tesla V100-SXM2-32GB",
// "NVIDIA GB200") to a catalogue kind ("nvidia/h100"); names the catalogue
// does not know become "nvidia/<name in lower case, words joined by '-'>".
std::string NvidiaKindFromName(std::string_view product_name);

}  // namespace hetsched::agent
