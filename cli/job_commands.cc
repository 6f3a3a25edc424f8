#include "cli/job_commands.h"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "cli/format.h"
#include "cli/job_views.h"
#include "cli/paging.h"
#include "common/accelerator_catalogue.h"
#include "common/status_macros.h"
#include "spec/job_array.h"
#include "spec/job_spec_validation.h"
#include "spec/job_spec_yaml.h"

namespace hetsched::cli {

absl::Status SubmitJob(const CommandContext& ctx, const std::string& path,
                       const SubmitOptions& after, bool wait,
                       const FollowOptions& follow,
                       const SubmitWorkdir& workdir) {
  auto spec = spec::LoadJobSpecFile(path);
  if (!spec.ok()) {
    // A file that cannot be read is bad input too (exit 2), whatever code
    // the loader picked.
    return absl::InvalidArgumentError(spec.status().message());
  }
  if (spec->owner().empty() && ctx.getenv) {
    // LOGNAME where USER is unset (cron, some containers).
    std::string user = ctx.getenv("USER");
    if (user.empty()) user = ctx.getenv("LOGNAME");
    if (user.empty()) {
      // Neither is set under some init systems: ask the password database.
      const passwd* pw = getpwuid(getuid());
      if (pw != nullptr && pw->pw_name != nullptr) user = pw->pw_name;
    }
    spec->set_owner(user);
  }
  for (const std::string& id : after.ok) spec->add_depends_on(id);
  for (const std::string& id : after.any) spec->add_depends_on_any(id);
  for (const std::string& id : after.not_ok) spec->add_depends_on_not_ok(id);
  for (const std::string& id : after.corr) spec->add_depends_on_corr(id);
  if (after.singleton) spec->set_singleton(true);
  if (!after.array.empty()) spec->set_array(after.array);
  spec::ApplyJobSpecDefaults(*spec);
  absl::Status valid =
      spec::ValidateJobSpec(*spec, AcceleratorCatalogue::BuiltIn());
  if (!valid.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", std::string(valid.message())));
  }

  std::vector<uint32_t> indices;  // of an array: its element ids follow
  if (!spec->array().empty()) {
    indices = spec::ParseJobArray(spec->array())->indices;  // valid above
  }
  if (!workdir.dir.empty()) {
    ASSIGN_OR_RETURN(const std::string sha, UploadWorkdir(ctx, workdir));
    spec->set_workdir_sha256(sha);
  }
  v1::SubmitJobRequest request;
  *request.mutable_spec() = std::move(*spec);
  v1::SubmitJobResponse response;
  RETURN_IF_ERROR(CallUnary(ctx, ctx.jobs,
                            &v1::JobService::StubInterface::SubmitJob, request,
                            &response));
  *ctx.out << (ctx.json() ? ToJson(response) : response.job_id()) << '\n';
  if (!wait) return absl::OkStatus();
  ctx.out->flush();  // the id is known before the wait
  return indices.empty()
             ? WaitForJobEnd(ctx, response.job_id(), follow)
             : WaitForArrayEnd(ctx, response.job_id(), indices, follow);
}

absl::StatusOr<v1::ListJobsRequest> ListJobsRequestFor(
    const CommandContext& ctx, const ListJobsOptions& opts) {
  v1::ListJobsRequest request;
  for (const auto& word : opts.states) {
    auto state = ParseJobState(word);
    if (!state) {
      return absl::InvalidArgumentError(
          absl::StrCat("--state: unknown state '", word,
                       "' (known: ", KnownJobStateNames(), ")"));
    }
    request.add_states(*state);
  }
  if (!opts.since.empty()) {
    ASSIGN_OR_RETURN(const int64_t since_ms,
                     SinceFlagMs(opts.since, ctx.now_ms()));
    request.set_ended_since_ms(std::max<int64_t>(1, since_ms));
  } else if (opts.states.empty() && !opts.all) {
    // What is live by default; history takes --all or --since.
    request.add_states(v1::JOB_STATE_PENDING);
    request.add_states(v1::JOB_STATE_RUNNING);
  }
  request.set_owner(opts.owner);
  request.set_queue(opts.queue);
  request.set_label_selector(absl::StrJoin(opts.selectors, ","));
  request.set_page_size(kCliPageSize);
  request.set_limit(opts.limit);  // the scheduler stops there too
  return request;
}

absl::Status ListJobs(const CommandContext& ctx, const ListJobsOptions& opts) {
  ASSIGN_OR_RETURN(const v1::ListJobsRequest request,
                   ListJobsRequestFor(ctx, opts));

  // JSON streams page by page in the shape of one ListJobsResponse.
  v1::ListJobsResponse table_rows;
  uint32_t listed = 0;
  if (ctx.json()) *ctx.out << "{\"jobs\":[";
  RETURN_IF_ERROR(
      ForEachPage(ctx, ctx.jobs, &v1::JobService::StubInterface::ListJobs,
                  request, [&](const v1::ListJobsResponse& page) {
                    for (const auto& job : page.jobs()) {
                      if (opts.limit > 0 && listed == opts.limit) return false;
                      if (ctx.json()) {
                        *ctx.out << (listed > 0 ? "," : "") << ToJson(job);
                      } else {
                        *table_rows.add_jobs() = job;
                      }
                      ++listed;
                    }
                    return opts.limit == 0 || listed < opts.limit;
                  }));
  if (ctx.json()) {
    *ctx.out << "]}\n";
  } else {
    PrintJobsTable(table_rows.jobs(), ctx.now_ms(), *ctx.out);
  }
  return absl::OkStatus();
}

absl::Status DescribeJob(const CommandContext& ctx, const std::string& job_id) {
  v1::GetJobRequest request;
  request.set_job_id(job_id);
  v1::Job job;
  RETURN_IF_ERROR(CallUnary(
      ctx, ctx.jobs, &v1::JobService::StubInterface::GetJob, request, &job));
  if (ctx.json()) {
    *ctx.out << ToJson(job) << '\n';
  } else {
    PrintJobDescription(job, ctx.now_ms(), *ctx.out);
  }
  return absl::OkStatus();
}

absl::Status CancelJob(const CommandContext& ctx, const std::string& job_id,
                       const std::string& reason) {
  v1::CancelJobRequest request;
  request.set_job_id(job_id);
  request.set_reason(reason);
  v1::CancelJobResponse response;
  RETURN_IF_ERROR(CallUnary(ctx, ctx.jobs,
                            &v1::JobService::StubInterface::CancelJob, request,
                            &response));
  if (ctx.json()) {
    *ctx.out << ToJson(response) << '\n';
  } else {
    // Cancelling a running gang takes a grace period; say which it is.
    const auto& job = response.job();
    *ctx.out << "job " << job_id << ": "
             << (IsTerminal(job.state()) || !job.cancel_requested()
                     ? JobStateName(job.state())
                     : "cancelling")
             << '\n';
  }
  return absl::OkStatus();
}

namespace {

// A call that may succeed once the scheduler is back: UNAVAILABLE by its
// meaning ("retry the call"), and the broken streams of a scheduler that
// went away.
bool Retryable(const grpc::Status& s) {
  return s.error_code() == grpc::StatusCode::UNAVAILABLE;
}

// Streams the job's events, past ones first, to `on_event` until the
// scheduler ends the stream (the job ended); then returns the job. A lost
// scheduler is retried with backoff; events already delivered are skipped
// on the replay after a reconnect (a job's events only grow).
absl::StatusOr<v1::Job> FollowJob(
    const CommandContext& ctx, const std::string& job_id,
    const FollowOptions& follow,
    const std::function<void(const v1::JobEvent&)>& on_event) {
  size_t delivered = 0;
  absl::Duration backoff = follow.first_backoff;
  absl::Duration out_of_reach;  // slept since the scheduler last answered
  v1::JobService::StubInterface* jobs = ctx.jobs;
  SchedulerConnection leader;  // after a failover: the new leader's
  while (true) {
    grpc::Status status;
    {
      v1::WatchJobRequest request;
      request.set_job_id(job_id);
      request.set_from_start(true);
      grpc::ClientContext rpc;
      std::unique_ptr<grpc::ClientReaderInterface<v1::JobEvent>> reader =
          jobs->WatchJob(&rpc, request);
      v1::JobEvent event;
      size_t index = 0;
      while (reader->Read(&event)) {
        out_of_reach = absl::ZeroDuration();
        backoff = follow.first_backoff;
        if (index++ < delivered) continue;
        on_event(event);
        ++delivered;
      }
      status = reader->Finish();
    }
    if (status.ok()) {
      v1::GetJobRequest get;
      get.set_job_id(job_id);
      v1::Job job;
      grpc::ClientContext rpc;
      SetDeadline(rpc, ctx);
      status = jobs->GetJob(&rpc, get, &job);
      if (status.ok()) return job;
    }
    if (!Retryable(status)) return RpcError(ctx, status);
    if (ctx.reconnect_to_leader) {
      leader = ctx.reconnect_to_leader();
      jobs = leader.jobs.get();
    }
    if (out_of_reach >= follow.reconnect_timeout) {
      return WithExitCode(
          absl::UnavailableError(absl::StrCat(
              RpcError(ctx, status).message(), "; gave up after ",
              absl::FormatDuration(out_of_reach), " (--reconnect-timeout-s): ",
              "job ", job_id, " may still be running")),
          kExitUnreachable);
    }
    absl::SleepFor(backoff);
    out_of_reach += backoff;
    backoff = std::min(backoff * 2, follow.max_backoff);
  }
}

std::string EndLine(const v1::Job& job) {
  return absl::StrCat("job ", job.id(), " is ", JobStateName(job.state()),
                      job.message().empty() ? "" : ": ", job.message());
}

// sbatch --wait's rule: the job's own code, so a pipeline can tell why.
absl::Status EndStatus(const v1::Job& job) {
  if (job.state() == v1::JOB_STATE_SUCCEEDED) return absl::OkStatus();
  const int code = job.state() == v1::JOB_STATE_FAILED && job.exit_code() > 0 &&
                           job.exit_code() <= 255
                       ? job.exit_code()
                       : kExitError;
  return WithExitCode(absl::AbortedError(EndLine(job)), code);
}

}  // namespace

absl::Status WaitForJobEnd(const CommandContext& ctx, const std::string& job_id,
                           const FollowOptions& follow) {
  auto job = FollowJob(ctx, job_id, follow, [](const v1::JobEvent&) {});
  if (!job.ok()) return job.status();
  return EndStatus(*job);
}

absl::Status WaitForArrayEnd(const CommandContext& ctx,
                             const std::string& array_id,
                             const std::vector<uint32_t>& indices,
                             const FollowOptions& follow) {
  for (uint32_t index : indices) {
    auto element = FollowJob(ctx, absl::StrCat(array_id, "_", index), follow,
                             [](const v1::JobEvent&) {});
    if (!element.ok()) return element.status();
  }
  // The array's own view applies the rule over all its elements.
  v1::GetJobRequest get;
  get.set_job_id(array_id);
  v1::Job array;
  RETURN_IF_ERROR(CallUnary(
      ctx, ctx.jobs, &v1::JobService::StubInterface::GetJob, get, &array));
  return EndStatus(array);
}

absl::Status WatchJob(const CommandContext& ctx, const std::string& job_id,
                      const FollowOptions& follow) {
  auto job = FollowJob(ctx, job_id, follow, [&ctx](const v1::JobEvent& event) {
    if (ctx.json()) {
      // One object per line, so a script can act on each as it comes.
      *ctx.out << ToJson(event) << '\n';
    } else {
      PrintJobEventLine(event, *ctx.out);
    }
    ctx.out->flush();
  });
  if (!job.ok()) return job.status();
  if (!ctx.json()) *ctx.out << EndLine(*job) << '\n';
  return absl::OkStatus();
}

}  // namespace hetsched::cli
