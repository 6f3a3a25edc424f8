// NodeService: list, describe, drain and undrain nodes. Thin wrapper over
// the control plane; changes need an admin under TLS (access_policy.h).
// Thread-safe.
#pragma once

#include "hetsched/v1/scheduler.grpc.pb.h"
#include "scheduler/control/control_plane.h"
#include "scheduler/server/access_policy.h"

namespace hetsched::server {

class NodeServiceImpl final : public v1::NodeService::Service {
 public:
  NodeServiceImpl(control::ControlPlane* control, AccessPolicy access)
      : control_(control), access_(std::move(access)) {}

  grpc::Status ListNodes(grpc::ServerContext* ctx,
                         const v1::ListNodesRequest* request,
                         v1::ListNodesResponse* response) override;
  grpc::Status GetNode(grpc::ServerContext* ctx,
                       const v1::GetNodeRequest* request,
                       v1::Node* response) override;
  grpc::Status DrainNode(grpc::ServerContext* ctx,
                         const v1::DrainNodeRequest* request,
                         v1::Node* response) override;
  grpc::Status UndrainNode(grpc::ServerContext* ctx,
                           const v1::UndrainNodeRequest* request,
                           v1::Node* response) override;
  grpc::Status DeleteNode(grpc::ServerContext* ctx,
                          const v1::DeleteNodeRequest* request,
                          v1::DeleteNodeResponse* response) override;
  grpc::Status CalibrateNode(grpc::ServerContext* ctx,
                             const v1::CalibrateNodeRequest* request,
                             v1::Node* response) override;
  grpc::Status ValidateInterconnect(
      grpc::ServerContext* ctx, const v1::ValidateInterconnectRequest* request,
      v1::ValidateInterconnectResponse* response) override;

 private:
  control::ControlPlane* const control_;
  const AccessPolicy access_;
};

}  // namespace hetsched::server
