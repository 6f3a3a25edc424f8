// AgentService: one long-lived bidirectional stream per agent. The handler
// thread reads (register, heartbeats, task reports, calibration); a writer
// thread per stream drains the session's outbox, so the control plane
// never blocks on a slow agent. Thread-safe.
#pragma once

#include "hetsched/v1/agent.grpc.pb.h"
#include "scheduler/control/control_plane.h"

namespace hetsched::server {

class AgentServiceImpl final : public v1::AgentService::Service {
 public:
  explicit AgentServiceImpl(control::ControlPlane* control)
      : control_(control) {}

  grpc::Status Connect(
      grpc::ServerContext* ctx,
      grpc::ServerReaderWriter<v1::SchedulerMessage, v1::AgentMessage>* stream)
      override;

 private:
  control::ControlPlane* const control_;
};

}  // namespace hetsched::server
