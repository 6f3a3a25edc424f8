// Create() and the composite used on real hosts: NVML first, Neuron when
// NVML finds nothing (a host has one kind of accelerator).
#include "agent/discovery.h"

#include <fstream>

#include "absl/strings/ascii.h"
#include "agent/discovery_inventory.h"
#include "agent/discovery_neuron.h"
#include "agent/discovery_nvml.h"

namespace hetsched::agent {
namespace {

// On EC2 the DMI product name is the instance type ("p5.48xlarge"); on other
// hosts it is a vendor model, which we keep out of instance_type.
std::string InstanceTypeFromDmi() {
  std::ifstream in("/sys/devices/virtual/dmi/id/product_name");
  std::string name;
  std::getline(in, name);
  name = std::string(absl::StripAsciiWhitespace(name));
  if (name.find('.') == std::string::npos ||
      name.find(' ') != std::string::npos) {
    return "";
  }
  return name;
}

class HostDiscovery final : public AcceleratorDiscovery {
 public:
  explicit HostDiscovery(const Options& options) : options_(options) {}

  absl::StatusOr<HostDescription> Discover() override {
    const std::string instance_type = InstanceTypeFromDmi();
    NvmlDiscovery nvml(options_.nvml_library);
    auto gpus = nvml.Discover();
    if (!gpus.ok()) return gpus.status();
    if (!gpus->accelerators.empty()) {
      gpus->instance_type = instance_type;
      return gpus;
    }
    NeuronDiscovery neuron(options_.neuron_ls, instance_type);
    auto chips = neuron.Discover();
    if (!chips.ok()) return chips.status();
    chips->notes.insert(chips->notes.begin(), gpus->notes.begin(),
                        gpus->notes.end());
    chips->instance_type = instance_type;
    if (chips->accelerators.empty()) chips->source = "none";
    return chips;
  }

 private:
  Options options_;
};

}  // namespace

std::unique_ptr<AcceleratorDiscovery> AcceleratorDiscovery::Create(
    const Options& options) {
  if (!options.inventory_path.empty()) {
    return std::make_unique<InventoryDiscovery>(options.inventory_path);
  }
  return std::make_unique<HostDiscovery>(options);
}

}  // namespace hetsched::agent
