#include "scheduler/server/job_service.h"

#include <optional>

#include "grpcpp/grpcpp.h"
#include "hetsched/v1/agent.grpc.pb.h"
#include "scheduler/control/cluster_snapshot.h"
#include "scheduler/control/queue_summary.h"
#include "scheduler/server/audit_log.h"
#include "scheduler/server/grpc_status.h"

namespace hetsched::server {
namespace {

// What another user's job shows: its shape, not its secrets.
void HideEnvironment(v1::Job& job) {
  for (auto& group : *job.mutable_spec()->mutable_task_groups()) {
    for (auto& [name, value] : *group.mutable_env()) value = "(hidden)";
  }
}

// A watch refused before it starts.
class RefusedWatch final : public grpc::ServerWriteReactor<v1::JobEvent> {
 public:
  explicit RefusedWatch(grpc::Status status) { Finish(std::move(status)); }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::ServerWriteReactor<v1::JobEvent>* JobServiceImpl::RefuseWatch(
    grpc::Status status) {
  return new RefusedWatch(std::move(status));
}

grpc::Status JobServiceImpl::SubmitJob(grpc::ServerContext* ctx,
                                       const v1::SubmitJobRequest* request,
                                       v1::SubmitJobResponse* response) {
  v1::JobSpec spec = request->spec();
  if (access_.enforced()) {
    // The certificate says who submits; only admins submit for others.
    const std::string caller = AccessPolicy::CallerOf(*ctx);
    if (!access_.IsAdmin(caller) || spec.owner().empty()) {
      spec.set_owner(caller);
    }
  }
  if (grpc::Status s = CheckWorkdir(spec); !s.ok()) return s;
  auto id = control_->SubmitJob(std::move(spec));
  if (!id.ok()) return ToGrpcStatus(id.status());
  response->set_job_id(*id);
  return grpc::Status::OK;
}

grpc::Status JobServiceImpl::GetJob(grpc::ServerContext* ctx,
                                    const v1::GetJobRequest* request,
                                    v1::Job* response) {
  auto job = control_->GetJob(request->job_id());
  if (!job.ok()) return ToGrpcStatus(job.status());
  if (auto s = access_.RequireReader(*ctx, job->id(), job->spec().owner(),
                                     "describe it");
      !s.ok()) {
    return s;
  }
  *response = std::move(*job);
  return grpc::Status::OK;
}

grpc::Status JobServiceImpl::ListJobs(grpc::ServerContext* ctx,
                                      const v1::ListJobsRequest* request,
                                      v1::ListJobsResponse* response) {
  auto page = control_->ListJobs(*request);
  if (!page.ok()) return ToGrpcStatus(page.status());
  *response = std::move(*page);
  if (access_.enforced()) {
    const std::string caller = AccessPolicy::CallerOf(*ctx);
    for (v1::Job& job : *response->mutable_jobs()) {
      if (!access_.CanRead(caller, job.spec().owner())) HideEnvironment(job);
    }
  }
  return grpc::Status::OK;
}

grpc::Status JobServiceImpl::GetUsage(grpc::ServerContext* /*ctx*/,
                                      const v1::GetUsageRequest* request,
                                      v1::GetUsageResponse* response) {
  auto usage = control_->GetUsage(*request);
  if (!usage.ok()) return ToGrpcStatus(usage.status());
  *response = std::move(*usage);
  return grpc::Status::OK;
}

grpc::Status JobServiceImpl::ListQueues(
    grpc::ServerContext* /*ctx*/, const v1::ListQueuesRequest* /*request*/,
    v1::ListQueuesResponse* response) {
  for (auto& queue : control::SummarizeQueues(control_->Snapshot())) {
    *response->add_queues() = std::move(queue);
  }
  return grpc::Status::OK;
}

grpc::Status JobServiceImpl::CancelJob(grpc::ServerContext* ctx,
                                       const v1::CancelJobRequest* request,
                                       v1::CancelJobResponse* response) {
  const std::string caller = AccessPolicy::CallerOf(*ctx);
  if (auto allowed = JobTheCallerMayChange(*ctx, request->job_id(),
                                           "job.cancel", "cancel");
      !allowed.ok()) {
    return ToGrpcStatus(allowed.status());
  }
  auto job = control_->CancelJob(request->job_id(), request->reason());
  Audit("job.cancel", caller, request->job_id(),
        job.ok() ? "ok" : job.status().message());
  if (!job.ok()) return ToGrpcStatus(job.status());
  *response->mutable_job() = std::move(*job);
  return grpc::Status::OK;
}

grpc::Status JobServiceImpl::RequireReader(const grpc::ServerContextBase& ctx,
                                           const std::string& job_id,
                                           const std::string& action) const {
  if (!access_.enforced()) return grpc::Status::OK;
  auto job = control_->GetJob(job_id);
  if (!job.ok()) return ToGrpcStatus(job.status());
  return access_.RequireReader(ctx, job_id, job->spec().owner(), action);
}

grpc::ServerWriteReactor<v1::JobEvent>* JobServiceImpl::WatchJob(
    grpc::CallbackServerContext* ctx, const v1::WatchJobRequest* request) {
  if (auto s = RequireReader(*ctx, request->job_id(), "watch it"); !s.ok()) {
    return RefuseWatch(std::move(s));
  }
  return watches_.Watch(*request);
}

grpc::ServerWriteReactor<v1::LogChunk>* JobServiceImpl::GetTaskLogs(
    grpc::CallbackServerContext* ctx, const v1::GetTaskLogsRequest* request) {
  if (auto s = RequireReader(*ctx, request->job_id(), "read its logs");
      !s.ok()) {
    return RefuseTaskLog(std::move(s));
  }
  if (!request->stream().empty() && request->stream() != "stdout" &&
      request->stream() != "stderr") {
    return RefuseTaskLog(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                      "stream: must be stdout or stderr"));
  }
  auto where = control_->LocateTaskLog(
      request->job_id(), request->rank(),
      request->has_attempt() ? std::optional<uint32_t>(request->attempt())
                             : std::nullopt);
  if (!where.ok()) return RefuseTaskLog(ToGrpcStatus(where.status()));
  v1::ReadTaskLogRequest read;
  read.set_task_id(where->task_id);
  read.set_stream(request->stream().empty() ? "stdout" : request->stream());
  read.set_offset(request->offset());
  read.set_follow(request->follow());
  return RelayTaskLog(&agent_channels_, *where, read);
}

}  // namespace hetsched::server
