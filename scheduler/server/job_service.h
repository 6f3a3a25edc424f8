// JobService: submit, get, list, cancel, watch, logs, queues and usage.
// Thin: each method converts, asks the control plane, converts back. The
// two long-lived streams are on gRPC's callback API and hold no thread:
// watches are served by one JobWatchHub thread, logs are relayed from the
// agent that ran the replica (log_proxy.h). Thread-safe (the control plane
// is).
#pragma once

#include <memory>

#include "grpcpp/security/credentials.h"
#include "hetsched/v1/scheduler.grpc.pb.h"
#include "scheduler/control/control_plane.h"
#include "scheduler/server/access_policy.h"
#include "scheduler/server/job_watch_hub.h"
#include "scheduler/server/log_proxy.h"
#include "scheduler/server/workdir_store.h"

namespace hetsched::server {

class JobServiceImpl final : public v1::JobService::WithCallbackMethod_WatchJob<
                                 v1::JobService::WithCallbackMethod_GetTaskLogs<
                                     v1::JobService::Service>> {
 public:
  // `agent_credentials`: how to reach agents' log services. `workdirs`
  // (may be null: no workdir store, uploads refused) must outlive it.
  JobServiceImpl(control::ControlPlane* control,
                 std::shared_ptr<grpc::ChannelCredentials> agent_credentials,
                 AccessPolicy access, WorkdirStore* workdirs = nullptr)
      : control_(control),
        agent_channels_(std::move(agent_credentials)),
        access_(std::move(access)),
        workdirs_(workdirs),
        watches_(control) {}

  grpc::Status SubmitJob(grpc::ServerContext* ctx,
                         const v1::SubmitJobRequest* request,
                         v1::SubmitJobResponse* response) override;
  grpc::Status GetJob(grpc::ServerContext* ctx,
                      const v1::GetJobRequest* request,
                      v1::Job* response) override;
  grpc::Status ListJobs(grpc::ServerContext* ctx,
                        const v1::ListJobsRequest* request,
                        v1::ListJobsResponse* response) override;
  grpc::Status CancelJob(grpc::ServerContext* ctx,
                         const v1::CancelJobRequest* request,
                         v1::CancelJobResponse* response) override;
  // Operator verbs (job_service_verbs.cc): the job's owner or an admin.
  grpc::Status HoldJob(grpc::ServerContext* ctx,
                       const v1::HoldJobRequest* request,
                       v1::Job* response) override;
  grpc::Status ReleaseJob(grpc::ServerContext* ctx,
                          const v1::ReleaseJobRequest* request,
                          v1::Job* response) override;
  grpc::Status RequeueJob(grpc::ServerContext* ctx,
                          const v1::RequeueJobRequest* request,
                          v1::Job* response) override;
  grpc::Status UpdateJob(grpc::ServerContext* ctx,
                         const v1::UpdateJobRequest* request,
                         v1::Job* response) override;
  grpc::Status SignalJob(grpc::ServerContext* ctx,
                         const v1::SignalJobRequest* request,
                         v1::Job* response) override;
  grpc::ServerWriteReactor<v1::JobEvent>* WatchJob(
      grpc::CallbackServerContext* ctx,
      const v1::WatchJobRequest* request) override;
  grpc::ServerWriteReactor<v1::LogChunk>* GetTaskLogs(
      grpc::CallbackServerContext* ctx,
      const v1::GetTaskLogsRequest* request) override;
  grpc::Status GetUsage(grpc::ServerContext* ctx,
                        const v1::GetUsageRequest* request,
                        v1::GetUsageResponse* response) override;
  grpc::Status ListQueues(grpc::ServerContext* ctx,
                          const v1::ListQueuesRequest* request,
                          v1::ListQueuesResponse* response) override;
  // Workdir archives (job_service_workdir.cc): anyone who may submit may
  // upload; a stored archive is read only by agents (FetchWorkdir).
  grpc::Status UploadWorkdir(grpc::ServerContext* ctx,
                             grpc::ServerReader<v1::WorkdirChunk>* reader,
                             v1::WorkdirRef* response) override;
  grpc::Status HasWorkdir(grpc::ServerContext* ctx,
                          const v1::HasWorkdirRequest* request,
                          v1::WorkdirRef* response) override;

 private:
  // OK when TLS is off or the caller may read job `job_id`'s details.
  grpc::Status RequireReader(const grpc::ServerContextBase& ctx,
                             const std::string& job_id,
                             const std::string& action) const;
  // The job, when TLS is off or the caller owns it or is an admin; else
  // PERMISSION_DENIED naming the job, its owner and the caller, audited
  // as `action` ("job.hold") with `verb` ("hold") in the message.
  absl::StatusOr<v1::Job> JobTheCallerMayChange(const grpc::ServerContext& ctx,
                                                const std::string& job_id,
                                                const std::string& action,
                                                const std::string& verb) const;
  // OK when `spec` names no workdir or one that is stored; else
  // INVALID_ARGUMENT naming workdir_sha256.
  grpc::Status CheckWorkdir(const v1::JobSpec& spec) const;
  static grpc::ServerWriteReactor<v1::JobEvent>* RefuseWatch(
      grpc::Status status);

  control::ControlPlane* const control_;
  AgentChannels agent_channels_;
  const AccessPolicy access_;
  WorkdirStore* const workdirs_;
  JobWatchHub watches_;
};

}  // namespace hetsched::server
