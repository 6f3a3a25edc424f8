// Turns what discovery found into the NodeInfo the agent registers with.
// Pure apart from reading the host's CPU and memory size; thread-safe.
#pragma once

#include <string>

#include "agent/discovery.h"
#include "hetsched/v1/node.pb.h"

namespace hetsched::agent {

v1::NodeInfo BuildNodeInfo(const HostDescription& host, const std::string& name,
                           const std::string& agent_address);

}  // namespace hetsched::agent
