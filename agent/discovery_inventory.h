// Discovery from an inventory file: the agent presents the host the file
// describes, whatever hardware it really has. Used for simulated hosts
// (demo, integration tests). Thread-compatible.
#pragma once

#include <string>

#include "agent/discovery.h"

namespace hetsched::agent {

class InventoryDiscovery final : public AcceleratorDiscovery {
 public:
  explicit InventoryDiscovery(std::string path) : path_(std::move(path)) {}
  absl::StatusOr<HostDescription> Discover() override;

 private:
  std::string path_;
};

}  // namespace hetsched::agent
