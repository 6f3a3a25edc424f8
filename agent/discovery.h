// What an agent knows about its host's accelerators, and the interface that
// finds it out. Three implementations (inventory file, NVML, neuron-ls) live
// in discovery_*.{h,cc}; Create() picks them in the documented order.
// Values here are plain data; a discovery object is used from one thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace hetsched::agent {

struct DiscoveredAccelerator {
  uint32_t index = 0;
  std::string kind;  // vendor/model, e.g. nvidia/h100
  uint64_t memory_bytes = 0;
  std::string uuid;
};

struct HostTopology {
  std::string provider;
  std::string region;
  std::string zone;
  std::string ultraserver;
  std::string rack;
  std::string network_block;
};

struct HostDescription {
  std::string source;  // inventory, nvml, neuron, none
  std::string instance_type;
  std::vector<DiscoveredAccelerator> accelerators;
  // NeuronCores per chip; 0 means "use the kind's default" (device_env.h).
  uint32_t cores_per_device = 0;
  HostTopology topology;
  std::map<std::string, std::string> labels;
  double price_per_accel_hour = 0;
  // Inventory `ultraserver_size:` (simulated hosts only): how many of the
  // hosts simulated from this description share one ultraserver id; 0 when
  // not set. See agent/simulated_fleet.h.
  uint32_t ultraserver_size = 0;
  // Inventory `cpus:`: the CPU cores this host reports (CPU-only replicas
  // take one each); 0: this machine's online cores.
  uint32_t cpus = 0;
  // Inventory `memory_gb:`, in bytes: the host memory this host reports;
  // 0: this machine's.
  uint64_t memory_bytes = 0;
  // Why discovery found what it found, e.g. "libnvidia-ml.so.1 not found";
  // logged at start so an operator sees why a host reports zero GPUs.
  std::vector<std::string> notes;
};

class AcceleratorDiscovery {
 public:
  struct Options {
    // When set, only this inventory file is used (simulated hosts).
    std::string inventory_path;
    // Overridable for tests; defaults find the real tools.
    std::string nvml_library = "libnvidia-ml.so.1";
    std::string neuron_ls = "neuron-ls";
  };

  virtual ~AcceleratorDiscovery() = default;

  // Finding no accelerator is a success with an empty list and a note; an
  // error means the configuration is wrong (e.g. a bad inventory file).
  virtual absl::StatusOr<HostDescription> Discover() = 0;

  // Inventory only when options.inventory_path is set; otherwise NVML, and
  // Neuron when NVML found nothing.
  static std::unique_ptr<AcceleratorDiscovery> Create(const Options& options);
};

}  // namespace hetsched::agent
