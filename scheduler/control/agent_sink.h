// Where the control plane sends messages for one connected agent.
//
// Thread-safe: Send is called from the control plane's threads and must
// only enqueue (never block on the network).
#pragma once

#include "hetsched/v1/agent.pb.h"

namespace hetsched::control {

class AgentSink {
 public:
  virtual ~AgentSink() = default;
  virtual void Send(const v1::SchedulerMessage& message) = 0;
};

}  // namespace hetsched::control
