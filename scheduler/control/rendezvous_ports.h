// Which port a job's rank 0 rendezvouses on (MASTER_PORT). Each agent
// reports the range it keeps for this (--rendezvous-ports, NodeInfo's
// rendezvous_port_min/max); a job holds two ports of rank 0's node's range,
// MASTER_PORT and MASTER_PORT + 1 (the Neuron runtime's root), for as long
// as it lives, and no two live jobs with rank 0 on one node share them.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <set>

namespace hetsched::control {

// The range used when an agent reported none.
inline constexpr uint32_t kDefaultRendezvousPortMin = 29500;
inline constexpr uint32_t kDefaultRendezvousPortMax = 29999;

// The lowest even offset port `p` of [min, max] with p and p + 1 both in
// the range and p not in `used` (the MASTER_PORTs of the node's live jobs).
// min 0 means the default range. When every pair is taken, the pair at
// `fallback_seq` (e.g. the job's sequence number) modulo the pair count:
// some job then shares it, which only matters if both run rank 0 there.
uint32_t PickRendezvousPort(uint32_t min, uint32_t max,
                            const std::set<uint32_t>& used,
                            uint64_t fallback_seq);

}  // namespace hetsched::control
