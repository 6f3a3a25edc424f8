#include "cli/job_verbs.h"

#include "absl/strings/str_cat.h"
#include "cli/format.h"
#include "cli/paging.h"
#include "common/signal_names.h"
#include "common/status_macros.h"

namespace hetsched::cli {
namespace {

// "job j-000042: held" for a person, the job for -o json.
void PrintJobLine(const CommandContext& ctx, const v1::Job& job,
                  const std::string& what) {
  if (ctx.json()) {
    *ctx.out << ToJson(job) << '\n';
  } else {
    *ctx.out << "job " << job.id() << ": " << what << '\n';
  }
}

template <typename Request>
absl::Status CallJobVerb(const CommandContext& ctx,
                         grpc::Status (v1::JobService::StubInterface::*method)(
                             grpc::ClientContext*, const Request&, v1::Job*),
                         const Request& request, v1::Job* job) {
  return CallUnary(ctx, ctx.jobs, method, request, job);
}

}  // namespace

absl::Status HoldJobs(const CommandContext& ctx,
                      const std::vector<std::string>& job_ids,
                      const std::string& reason) {
  for (const std::string& id : job_ids) {
    v1::HoldJobRequest request;
    request.set_job_id(id);
    request.set_reason(reason);
    v1::Job job;
    RETURN_IF_ERROR(CallJobVerb(ctx, &v1::JobService::StubInterface::HoldJob,
                                request, &job));
    PrintJobLine(ctx, job, "held");
  }
  return absl::OkStatus();
}

absl::Status ReleaseJobs(const CommandContext& ctx,
                         const std::vector<std::string>& job_ids) {
  for (const std::string& id : job_ids) {
    v1::ReleaseJobRequest request;
    request.set_job_id(id);
    v1::Job job;
    RETURN_IF_ERROR(CallJobVerb(ctx, &v1::JobService::StubInterface::ReleaseJob,
                                request, &job));
    PrintJobLine(ctx, job,
                 absl::StrCat("released (", JobStateName(job.state()), ")"));
  }
  return absl::OkStatus();
}

absl::Status RequeueJob(const CommandContext& ctx, const std::string& job_id,
                        const std::string& reason, bool hold) {
  v1::RequeueJobRequest request;
  request.set_job_id(job_id);
  request.set_reason(reason);
  request.set_hold(hold);
  v1::Job job;
  RETURN_IF_ERROR(CallJobVerb(ctx, &v1::JobService::StubInterface::RequeueJob,
                              request, &job));
  PrintJobLine(ctx, job, hold ? "requeueing, held once stopped" : "requeueing");
  return absl::OkStatus();
}

absl::Status UpdateJob(const CommandContext& ctx, const std::string& job_id,
                       std::optional<int32_t> priority) {
  if (!priority) {
    return absl::InvalidArgumentError("nothing to update: give --priority N");
  }
  v1::UpdateJobRequest request;
  request.set_job_id(job_id);
  request.set_priority(*priority);
  v1::Job job;
  RETURN_IF_ERROR(CallJobVerb(ctx, &v1::JobService::StubInterface::UpdateJob,
                              request, &job));
  PrintJobLine(ctx, job, absl::StrCat("priority ", job.spec().priority()));
  return absl::OkStatus();
}

namespace {

absl::Status SignalJob(const CommandContext& ctx, const std::string& job_id,
                       const std::string& signal_name) {
  v1::SignalJobRequest request;
  request.set_job_id(job_id);
  request.set_signal(signal_name);
  v1::Job job;
  RETURN_IF_ERROR(CallJobVerb(ctx, &v1::JobService::StubInterface::SignalJob,
                              request, &job));
  PrintJobLine(ctx, job,
               absl::StrCat(SignalName(*AllowedSignal(signal_name)), " sent"));
  return absl::OkStatus();
}

}  // namespace

absl::Status CancelJobs(const CommandContext& ctx, const CancelOptions& opts) {
  if (!opts.signal.empty() && !AllowedSignal(opts.signal)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--signal: '", opts.signal, "' is not one of ", AllowedSignalNames()));
  }
  const ListJobsOptions& f = opts.filter;
  const bool filtered = !f.states.empty() || !f.owner.empty() ||
                        !f.queue.empty() || !f.selectors.empty();
  if (opts.job_ids.empty() && !filtered) {
    return absl::InvalidArgumentError(
        "cancel: give job ids, or select jobs with --owner, --state, "
        "--queue or -l");
  }
  if (!opts.job_ids.empty() && filtered) {
    return absl::InvalidArgumentError(
        "cancel: give job ids or filters, not both");
  }
  std::vector<std::string> ids = opts.job_ids;
  if (ids.empty()) {
    ASSIGN_OR_RETURN(v1::ListJobsRequest request, ListJobsRequestFor(ctx, f));
    request.set_limit(0);
    RETURN_IF_ERROR(ForEachPage(ctx, ctx.jobs,
                                &v1::JobService::StubInterface::ListJobs,
                                request, [&](const v1::ListJobsResponse& page) {
                                  for (const auto& job : page.jobs())
                                    ids.push_back(job.id());
                                  return true;
                                }));
    if (ids.empty() && !ctx.json()) *ctx.out << "no job matches\n";
  }
  absl::Status first;
  for (const std::string& id : ids) {
    absl::Status s = opts.signal.empty() ? CancelJob(ctx, id, opts.reason)
                                         : SignalJob(ctx, id, opts.signal);
    if (!s.ok() && ids.size() > 1 && ctx.err != nullptr) {
      *ctx.err << "hetsched: " << id << ": " << s.message() << '\n';
    }
    if (first.ok()) first = s;
  }
  return first;
}

}  // namespace hetsched::cli
