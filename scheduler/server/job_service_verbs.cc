// JobService: the operator verbs on one job (hold, release, requeue,
// update, signal) and the check every verb that changes a job shares. As
// Slurm: owners act on their own jobs, admins on any; a hold an admin
// placed is released only by an admin, and raising a priority takes one.
#include "absl/strings/str_cat.h"
#include "scheduler/server/audit_log.h"
#include "scheduler/server/grpc_status.h"
#include "scheduler/server/job_service.h"

namespace hetsched::server {
namespace {

// Who an event names: the certificate's CN, or "user" without TLS.
std::string ActorOf(const std::string& caller) {
  return caller.empty() ? "user" : caller;
}

grpc::Status Denied(const std::string& why) {
  return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, why);
}

// Audits the verb's outcome and answers with the job or the error.
grpc::Status Answer(absl::StatusOr<v1::Job> job, const std::string& action,
                    const std::string& caller, const std::string& job_id,
                    const std::string& done, v1::Job* response) {
  Audit(action, caller, job_id,
        job.ok() ? done : std::string(job.status().message()));
  if (!job.ok()) return ToGrpcStatus(job.status());
  *response = std::move(*job);
  return grpc::Status::OK;
}

}  // namespace

absl::StatusOr<v1::Job> JobServiceImpl::JobTheCallerMayChange(
    const grpc::ServerContext& ctx, const std::string& job_id,
    const std::string& action, const std::string& verb) const {
  auto job = control_->GetJob(job_id);
  if (!job.ok() || !access_.enforced()) return job;
  const std::string caller = AccessPolicy::CallerOf(ctx);
  if (job->spec().owner() == caller || access_.IsAdmin(caller)) return job;
  const std::string why =
      absl::StrCat("job ", job_id, " belongs to '", job->spec().owner(),
                   "'; only its owner or an admin (--tls-admins) may ", verb,
                   " it; you are '", caller, "'");
  Audit(action, caller, job_id, why);
  return absl::PermissionDeniedError(why);
}

grpc::Status JobServiceImpl::HoldJob(grpc::ServerContext* ctx,
                                     const v1::HoldJobRequest* request,
                                     v1::Job* response) {
  const std::string caller = AccessPolicy::CallerOf(*ctx);
  auto allowed =
      JobTheCallerMayChange(*ctx, request->job_id(), "job.hold", "hold");
  if (!allowed.ok()) return ToGrpcStatus(allowed.status());
  control::ControlPlane::JobHold hold{
      ActorOf(caller), request->reason(),
      access_.enforced() && access_.IsAdmin(caller)};
  return Answer(control_->HoldJob(request->job_id(), hold), "job.hold", caller,
                request->job_id(), "ok", response);
}

grpc::Status JobServiceImpl::ReleaseJob(grpc::ServerContext* ctx,
                                        const v1::ReleaseJobRequest* request,
                                        v1::Job* response) {
  const std::string caller = AccessPolicy::CallerOf(*ctx);
  auto allowed =
      JobTheCallerMayChange(*ctx, request->job_id(), "job.release", "release");
  if (!allowed.ok()) return ToGrpcStatus(allowed.status());
  if (access_.enforced() && allowed->held_by_admin() &&
      !access_.IsAdmin(caller)) {
    const std::string why =
        absl::StrCat("job ", request->job_id(), " was held by the admin '",
                     allowed->held_by(),
                     "'; only an admin may release it; you are '", caller, "'");
    Audit("job.release", caller, request->job_id(), why);
    return Denied(why);
  }
  return Answer(control_->ReleaseJob(request->job_id(), ActorOf(caller)),
                "job.release", caller, request->job_id(), "ok", response);
}

grpc::Status JobServiceImpl::RequeueJob(grpc::ServerContext* ctx,
                                        const v1::RequeueJobRequest* request,
                                        v1::Job* response) {
  const std::string caller = AccessPolicy::CallerOf(*ctx);
  auto allowed =
      JobTheCallerMayChange(*ctx, request->job_id(), "job.requeue", "requeue");
  if (!allowed.ok()) return ToGrpcStatus(allowed.status());
  std::optional<control::ControlPlane::JobHold> hold;
  if (request->hold()) {
    hold = control::ControlPlane::JobHold{
        ActorOf(caller), request->reason(),
        access_.enforced() && access_.IsAdmin(caller)};
  }
  return Answer(control_->RequeueJob(request->job_id(), ActorOf(caller),
                                     request->reason(), hold),
                "job.requeue", caller, request->job_id(), "ok", response);
}

grpc::Status JobServiceImpl::UpdateJob(grpc::ServerContext* ctx,
                                       const v1::UpdateJobRequest* request,
                                       v1::Job* response) {
  const std::string caller = AccessPolicy::CallerOf(*ctx);
  auto allowed =
      JobTheCallerMayChange(*ctx, request->job_id(), "job.update", "update");
  if (!allowed.ok()) return ToGrpcStatus(allowed.status());
  if (!request->has_priority()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "priority: nothing to update (the only field an "
                        "update changes today)");
  }
  if (access_.enforced() && !access_.IsAdmin(caller) &&
      request->priority() > allowed->spec().priority()) {
    const std::string why =
        absl::StrCat("priority: only an admin may raise a job's priority (",
                     allowed->spec().priority(), " -> ", request->priority(),
                     "); you are '", caller, "'");
    Audit("job.update", caller, request->job_id(), why);
    return Denied(why);
  }
  return Answer(control_->SetJobPriority(request->job_id(), request->priority(),
                                         ActorOf(caller)),
                "job.update", caller, request->job_id(),
                absl::StrCat("priority ", request->priority()), response);
}

grpc::Status JobServiceImpl::SignalJob(grpc::ServerContext* ctx,
                                       const v1::SignalJobRequest* request,
                                       v1::Job* response) {
  const std::string caller = AccessPolicy::CallerOf(*ctx);
  auto allowed =
      JobTheCallerMayChange(*ctx, request->job_id(), "job.signal", "signal");
  if (!allowed.ok()) return ToGrpcStatus(allowed.status());
  return Answer(control_->SignalJob(request->job_id(), request->signal(),
                                    ActorOf(caller)),
                "job.signal", caller, request->job_id(),
                absl::StrCat("signal ", request->signal()), response);
}

}  // namespace hetsched::server
