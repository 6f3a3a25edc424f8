#include "agent/node_info.h"

#include <unistd.h>

namespace hetsched::agent {

v1::NodeInfo BuildNodeInfo(const HostDescription& host, const std::string& name,
                           const std::string& agent_address) {
  v1::NodeInfo node;
  node.set_name(name);
  node.set_instance_type(host.instance_type);
  for (const DiscoveredAccelerator& a : host.accelerators) {
    v1::Accelerator* out = node.add_accelerators();
    out->set_index(a.index);
    out->set_kind(a.kind);
    out->set_memory_bytes(a.memory_bytes);
    out->set_uuid(a.uuid);
  }
  v1::Topology* topology = node.mutable_topology();
  topology->set_provider(host.topology.provider);
  topology->set_region(host.topology.region);
  topology->set_zone(host.topology.zone);
  topology->set_ultraserver(host.topology.ultraserver);
  topology->set_rack(host.topology.rack);
  topology->set_network_block(host.topology.network_block);
  for (const auto& [key, value] : host.labels) {
    (*node.mutable_labels())[key] = value;
  }
  node.set_discovery(host.source);
  const long cpus = sysconf(_SC_NPROCESSORS_ONLN);  // NOLINT: sysconf's type
  node.set_cpu_count(host.cpus > 0 ? host.cpus
                     : cpus > 0    ? static_cast<uint32_t>(cpus)
                                   : 0);
  const long pages = sysconf(_SC_PHYS_PAGES);    // NOLINT
  const long page_size = sysconf(_SC_PAGESIZE);  // NOLINT
  if (host.memory_bytes > 0) {
    node.set_memory_bytes(host.memory_bytes);
  } else if (pages > 0 && page_size > 0) {
    node.set_memory_bytes(static_cast<uint64_t>(pages) *
                          static_cast<uint64_t>(page_size));
  }
  node.set_agent_address(agent_address);
  node.set_price_per_accel_hour(host.price_per_accel_hour);
  return node;
}

}  // namespace hetsched::agent
