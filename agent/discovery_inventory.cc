#include "agent/discovery_inventory.h"

#include "agent/inventory.h"

namespace hetsched::agent {

absl::StatusOr<HostDescription> InventoryDiscovery::Discover() {
  return LoadInventoryFile(path_);
}

}  // namespace hetsched::agent
