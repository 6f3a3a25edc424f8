#include "scheduler/control/rendezvous_ports.h"

namespace hetsched::control {

uint32_t PickRendezvousPort(uint32_t min, uint32_t max,
                            const std::set<uint32_t>& used,
                            uint64_t fallback_seq) {
  if (min == 0 || max < min + 1 || max > 65535) {
    min = kDefaultRendezvousPortMin;
    max = kDefaultRendezvousPortMax;
  }
  const uint32_t pairs = (max - min + 1) / 2;
  for (uint32_t i = 0; i < pairs; ++i) {
    const uint32_t port = min + 2 * i;
    if (!used.contains(port)) return port;
  }
  return min + 2 * static_cast<uint32_t>(fallback_seq % pairs);
}

}  // namespace hetsched::control
