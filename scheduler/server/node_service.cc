#include "scheduler/server/node_service.h"

#include "scheduler/server/audit_log.h"
#include "scheduler/server/grpc_status.h"

namespace hetsched::server {

grpc::Status NodeServiceImpl::ListNodes(grpc::ServerContext* /*ctx*/,
                                        const v1::ListNodesRequest* request,
                                        v1::ListNodesResponse* response) {
  auto page = control_->ListNodes(*request);
  if (!page.ok()) return ToGrpcStatus(page.status());
  *response = std::move(*page);
  return grpc::Status::OK;
}

grpc::Status NodeServiceImpl::GetNode(grpc::ServerContext* /*ctx*/,
                                      const v1::GetNodeRequest* request,
                                      v1::Node* response) {
  auto node = control_->GetNode(request->name());
  if (!node.ok()) return ToGrpcStatus(node.status());
  *response = std::move(*node);
  return grpc::Status::OK;
}

grpc::Status NodeServiceImpl::DrainNode(grpc::ServerContext* ctx,
                                        const v1::DrainNodeRequest* request,
                                        v1::Node* response) {
  if (grpc::Status denied = access_.RequireAdmin(*ctx, "drain nodes");
      !denied.ok()) {
    return denied;
  }
  auto node = control_->SetDrained(request->name(), true, request->reason());
  Audit("node.drain", AccessPolicy::CallerOf(*ctx), request->name(),
        node.ok() ? "ok" : node.status().message());
  if (!node.ok()) return ToGrpcStatus(node.status());
  *response = std::move(*node);
  return grpc::Status::OK;
}

grpc::Status NodeServiceImpl::UndrainNode(grpc::ServerContext* ctx,
                                          const v1::UndrainNodeRequest* request,
                                          v1::Node* response) {
  if (grpc::Status denied = access_.RequireAdmin(*ctx, "undrain nodes");
      !denied.ok()) {
    return denied;
  }
  auto node = control_->SetDrained(request->name(), false, "");
  Audit("node.undrain", AccessPolicy::CallerOf(*ctx), request->name(),
        node.ok() ? "ok" : node.status().message());
  if (!node.ok()) return ToGrpcStatus(node.status());
  *response = std::move(*node);
  return grpc::Status::OK;
}

grpc::Status NodeServiceImpl::DeleteNode(grpc::ServerContext* ctx,
                                         const v1::DeleteNodeRequest* request,
                                         v1::DeleteNodeResponse* /*response*/) {
  if (grpc::Status denied = access_.RequireAdmin(*ctx, "delete nodes");
      !denied.ok()) {
    return denied;
  }
  absl::Status deleted = control_->DeleteNode(request->name());
  Audit("node.delete", AccessPolicy::CallerOf(*ctx), request->name(),
        deleted.ok() ? "ok" : deleted.message());
  return ToGrpcStatus(deleted);
}

grpc::Status NodeServiceImpl::CalibrateNode(
    grpc::ServerContext* ctx, const v1::CalibrateNodeRequest* request,
    v1::Node* response) {
  if (grpc::Status denied = access_.RequireAdmin(*ctx, "calibrate nodes");
      !denied.ok()) {
    return denied;
  }
  auto node =
      control_->RequestCalibration(request->name(), request->time_budget_s());
  Audit("node.calibrate", AccessPolicy::CallerOf(*ctx), request->name(),
        node.ok() ? "ok" : node.status().message());
  if (!node.ok()) return ToGrpcStatus(node.status());
  *response = std::move(*node);
  return grpc::Status::OK;
}

grpc::Status NodeServiceImpl::ValidateInterconnect(
    grpc::ServerContext* ctx, const v1::ValidateInterconnectRequest* request,
    v1::ValidateInterconnectResponse* response) {
  if (grpc::Status denied = access_.RequireAdmin(*ctx, "test the interconnect");
      !denied.ok()) {
    return denied;
  }
  auto result = control_->ValidateInterconnect(*request);
  Audit("interconnect.validate", AccessPolicy::CallerOf(*ctx), "",
        result.ok() ? "ok" : result.status().message());
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = std::move(*result);
  return grpc::Status::OK;
}

}  // namespace hetsched::server
