// AgentService: one long-lived bidirectional stream per agent, on gRPC's
// callback API. No thread belongs to a stream: each message read is
// handled on a small shared pool (the handling may wait for a durable
// commit), and the stream's outbox is written from gRPC's callbacks, so
// the scheduler's thread count does not grow with the fleet. A stream has
// one read outstanding at a time, so an agent's messages are handled in
// order. Under mutual TLS only node certificates (O=system:nodes,
// CN=system:node:NAME) may connect, and each only as its own NAME.
// Thread-safe.
#pragma once

#include "hetsched/v1/agent.grpc.pb.h"
#include "scheduler/control/control_plane.h"
#include "scheduler/server/access_policy.h"
#include "scheduler/server/work_pool.h"
#include "scheduler/server/workdir_store.h"

namespace hetsched::server {

class AgentServiceImpl final : public v1::AgentService::CallbackService {
 public:
  // `pool` runs the handling of agents' messages; it must outlive the
  // server's shutdown. `workdirs` (may be null: none stored) too.
  AgentServiceImpl(control::ControlPlane* control, WorkPool* pool,
                   AccessPolicy access = {}, WorkdirStore* workdirs = nullptr)
      : control_(control),
        pool_(pool),
        access_(std::move(access)),
        workdirs_(workdirs) {}

  grpc::ServerBidiReactor<v1::AgentMessage, v1::SchedulerMessage>* Connect(
      grpc::CallbackServerContext* ctx) override;
  // A stored workdir archive in 1 MiB chunks (workdir_fetch.cc); under
  // mutual TLS for node certificates only.
  grpc::ServerWriteReactor<v1::WorkdirChunk>* FetchWorkdir(
      grpc::CallbackServerContext* ctx,
      const v1::FetchWorkdirRequest* request) override;

 private:
  control::ControlPlane* const control_;
  WorkPool* const pool_;
  const AccessPolicy access_;
  WorkdirStore* const workdirs_;
};

}  // namespace hetsched::server
