// AWS Neuron discovery (Trainium, Trainium2, Inferentia2) through
// `neuron-ls --json-output`, run as a child process when the tool is on
// PATH. The JSON parsing is a pure function with its own tests.
// Thread-compatible; Discover() forks and waits for its own child.
#pragma once

#include <string>

#include "agent/discovery.h"

namespace hetsched::agent {

class NeuronDiscovery final : public AcceleratorDiscovery {
 public:
  // `instance_type` (e.g. "trn2.48xlarge", may be empty) helps name the
  // chip when the JSON does not.
  NeuronDiscovery(std::string tool, std::string instance_type)
      : tool_(std::move(tool)), instance_type_(std::move(instance_type)) {}
  // Tool absent: zero devices and a note. Tool present but failing or
  // printing something unparsable: also zero devices, with the reason, so a
  // broken Neuron install never stops the agent.
  absl::StatusOr<HostDescription> Discover() override;

 private:
  std::string tool_;
  std::string instance_type_;
};

// Parses neuron-ls's JSON: an array with one object per device
// (neuron_device, nc_count, memory_size in bytes, ...). INVALID_ARGUMENT
// names what is wrong.
absl::StatusOr<HostDescription> ParseNeuronLsJson(
    const std::string& json_text, const std::string& instance_type);

// "aws/trainium2" etc. from a device model or instance type hint (any of
// "trn2", "trainium2", "inf2", ...); empty when the hint says nothing.
std::string NeuronKindFromHint(const std::string& hint);

}  // namespace hetsched::agent
