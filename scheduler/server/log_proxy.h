// GetTaskLogs on gRPC's callback API: the scheduler relays a replica's log
// from the agent that ran it, one chunk in flight at a time (the next read
// from the agent starts once the client took the last chunk), on no thread
// of its own. Channels to agents are kept, one per agent address, so a log
// follow does not open a connection per call.
//
// Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "grpcpp/grpcpp.h"
#include "hetsched/v1/agent.grpc.pb.h"
#include "hetsched/v1/scheduler.pb.h"
#include "scheduler/control/control_plane.h"

namespace hetsched::server {

// Channels to agents' log services, one per address, made on first use.
class AgentChannels {
 public:
  explicit AgentChannels(std::shared_ptr<grpc::ChannelCredentials> credentials)
      : credentials_(std::move(credentials)) {}
  std::shared_ptr<grpc::Channel> For(const std::string& address);

 private:
  const std::shared_ptr<grpc::ChannelCredentials> credentials_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<grpc::Channel>> channels_;
};

// The reactor for one GetTaskLogs call from `where`, reading with `read`;
// it deletes itself when both sides are done.
grpc::ServerWriteReactor<v1::LogChunk>* RelayTaskLog(
    AgentChannels* channels, const control::TaskLogLocation& where,
    const v1::ReadTaskLogRequest& read);

// A reactor that only finishes with `status` (a refused call).
grpc::ServerWriteReactor<v1::LogChunk>* RefuseTaskLog(grpc::Status status);

}  // namespace hetsched::server
