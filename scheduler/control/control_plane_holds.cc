// ControlPlane: the operator verbs on one job, as Slurm's scontrol hold,
// release, requeue (and requeuehold) and update priority, and scancel
// --signal.
//
// A held job is PENDING in the store with `held` set and is kept out of
// the core (no place in line, no reservation); its dependencies and its
// retry back-off are not consulted until it is released. A requeue stops
// the replicas as a preemption does, so the job comes back as the next
// attempt without spending a retry.
#include <string>

#include "absl/strings/str_cat.h"
#include "common/signal_names.h"
#include "common/status_macros.h"
#include "common/text_checks.h"
#include "scheduler/control/control_plane.h"
#include "scheduler/control/convert.h"
#include "scheduler/control/job_lifecycle.h"

namespace hetsched::control {
namespace {

constexpr size_t kMaxReasonBytes = 1024;
constexpr int32_t kMaxPriority = 1000000;

std::string HoldMessage(const ControlPlane::JobHold& hold) {
  std::string out = absl::StrCat("by ", hold.by.empty() ? "-" : hold.by);
  if (!hold.reason.empty()) absl::StrAppend(&out, ": ", hold.reason);
  return out;
}

void SetHold(v1::Job& job, const ControlPlane::JobHold& hold) {
  job.set_held(true);
  job.set_held_by(hold.by);
  job.set_hold_reason(hold.reason);
  job.set_held_by_admin(hold.by_admin);
}

}  // namespace

v1::Job ControlPlane::ViewLocked(const std::string& job_id) const {
  v1::Job out = jobs_.at(job_id);
  FillDerivedLocked(out);
  return out;
}

absl::StatusOr<v1::Job> ControlPlane::LiveJobLocked(
    const std::string& job_id) const {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) {
    return absl::NotFoundError(absl::StrCat("job_id: no job ", job_id));
  }
  if (IsTerminal(it->second.state())) {
    return absl::FailedPreconditionError(
        absl::StrCat("job ", job_id, " already ended as ",
                     JobStateName(it->second.state())));
  }
  return it->second;
}

absl::StatusOr<v1::Job> ControlPlane::HoldJob(const std::string& job_id,
                                              const JobHold& hold) {
  RETURN_IF_ERROR(CheckText("reason", hold.reason, kMaxReasonBytes));
  return Durably([&]() -> absl::StatusOr<v1::Job> {
    ASSIGN_OR_RETURN(v1::Job job, LiveJobLocked(job_id));
    if (job.held()) return ViewLocked(job_id);
    if (job.state() != v1::JOB_STATE_PENDING) {
      return absl::FailedPreconditionError(absl::StrCat(
          "job ", job_id, " is ", JobStateName(job.state()),
          ": only a PENDING job can be held (`hetsched requeue --hold ", job_id,
          "` stops it and holds it)"));
    }
    SetHold(job, hold);
    RETURN_IF_ERROR(CommitLocked({std::move(job)}, {},
                                 {Event(job_id, "HELD", HoldMessage(hold))}));
    core_->Remove(job_id);
    backoff_.erase(job_id);  // released later, it is queued at once
    WakeLocked();            // its place in line may have blocked others
    return ViewLocked(job_id);
  });
}

absl::StatusOr<v1::Job> ControlPlane::ReleaseJob(const std::string& job_id,
                                                 const std::string& by) {
  return Durably([&]() -> absl::StatusOr<v1::Job> {
    ASSIGN_OR_RETURN(v1::Job job, LiveJobLocked(job_id));
    if (!job.held()) {
      return absl::FailedPreconditionError(
          absl::StrCat("job ", job_id, " is not held"));
    }
    job.set_held(false);
    job.clear_held_by();
    job.clear_hold_reason();
    job.set_held_by_admin(false);
    // A job still waiting for its dependencies, or still being stopped by
    // a requeue, is queued when that is over.
    const bool pending = job.state() == v1::JOB_STATE_PENDING &&
                         awaiting_dependencies_.count(job_id) == 0;
    // An array element past its array's "%N" waits its turn instead.
    const bool throttled = pending && !ArrayThrottleLocked(job).empty();
    const bool queue_now = pending && !throttled;
    if (queue_now) RETURN_IF_ERROR(core_->Submit(ToJobRequest(job)));
    absl::Status s =
        CommitLocked({std::move(job)}, {},
                     {Event(job_id, "RELEASED",
                            absl::StrCat("by ", by.empty() ? "-" : by))});
    if (!s.ok()) {
      if (queue_now) core_->Remove(job_id);
      return s;
    }
    if (throttled) SetAwaitingLocked(job_id, true);
    WakeLocked();
    return ViewLocked(job_id);
  });
}

absl::StatusOr<v1::Job> ControlPlane::RequeueJob(const std::string& job_id,
                                                 const std::string& by,
                                                 const std::string& reason,
                                                 std::optional<JobHold> hold) {
  RETURN_IF_ERROR(CheckText("reason", reason, kMaxReasonBytes));
  return Durably([&]() -> absl::StatusOr<v1::Job> {
    ASSIGN_OR_RETURN(v1::Job job, LiveJobLocked(job_id));
    if (job.state() != v1::JOB_STATE_RUNNING) {
      return absl::FailedPreconditionError(absl::StrCat(
          "job ", job_id, " is ", JobStateName(job.state()),
          ": only a RUNNING job can be requeued",
          hold ? absl::StrCat(" (`hetsched hold ", job_id, "` holds it)")
               : ""));
    }
    if (job.cancel_requested()) {
      return absl::FailedPreconditionError(
          absl::StrCat("job ", job_id, " is being cancelled"));
    }
    std::string message = absl::StrCat("by ", by.empty() ? "-" : by);
    if (!reason.empty()) absl::StrAppend(&message, ": ", reason);
    if (hold) {
      SetHold(job, *hold);
      absl::StrAppend(&message, "; held once stopped");
    }
    RETURN_IF_ERROR(
        CommitLocked({job}, {}, {Event(job_id, "REQUEUE_REQUESTED", message)}));
    // As a preemption: the replicas end PREEMPTED and the job is queued
    // again (or, held, kept out) without spending a retry.
    SendKillsLocked(jobs_.at(job_id), v1::TASK_STATE_PREEMPTED,
                    absl::StrCat("requeued ", message),
                    TerminationGraceLocked(job));
    return ViewLocked(job_id);
  });
}

absl::StatusOr<v1::Job> ControlPlane::SignalJob(const std::string& job_id,
                                                const std::string& signal_name,
                                                const std::string& by) {
  const std::optional<int> number = AllowedSignal(signal_name);
  if (!number) {
    return absl::InvalidArgumentError(
        absl::StrCat("signal: '", signal_name.substr(0, 32), "' is not one of ",
                     AllowedSignalNames()));
  }
  const std::string name = SignalName(*number);
  return Durably([&]() -> absl::StatusOr<v1::Job> {
    ASSIGN_OR_RETURN(v1::Job job, LiveJobLocked(job_id));
    int sent = 0;
    for (const v1::Task* t : CurrentTasks(job)) {
      // Only a started replica has processes to signal.
      if (t->state() != v1::TASK_STATE_RUNNING &&
          t->state() != v1::TASK_STATE_STARTING) {
        continue;
      }
      auto node = nodes_.find(t->node());
      if (node == nodes_.end() || !node->second.sink) continue;
      v1::SchedulerMessage msg;
      msg.mutable_signal_task()->set_task_id(t->id());
      msg.mutable_signal_task()->set_signal(name.substr(3));  // "USR1"
      DeliverLocked(node->second.sink, std::move(msg));
      ++sent;
    }
    if (sent == 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "job ", job_id, " has no running replica to signal (it is ",
          JobStateName(job.state()), ")"));
    }
    RETURN_IF_ERROR(CommitLocked(
        {}, {},
        {Event(
            job_id, "SIGNALLED",
            absl::StrCat(name, " to ", sent, " replica", sent == 1 ? "" : "s",
                         " by ", by.empty() ? "-" : by))}));
    return ViewLocked(job_id);
  });
}

absl::StatusOr<v1::Job> ControlPlane::SetJobPriority(const std::string& job_id,
                                                     int32_t priority,
                                                     const std::string& by) {
  if (priority < -kMaxPriority || priority > kMaxPriority) {
    return absl::InvalidArgumentError(
        absl::StrCat("priority: must be between ", -kMaxPriority, " and ",
                     kMaxPriority, ", got ", priority));
  }
  return Durably([&]() -> absl::StatusOr<v1::Job> {
    ASSIGN_OR_RETURN(v1::Job job, LiveJobLocked(job_id));
    if (job.state() != v1::JOB_STATE_PENDING) {
      return absl::FailedPreconditionError(
          absl::StrCat("job ", job_id, " is ", JobStateName(job.state()),
                       ": its priority can change only while it is PENDING"));
    }
    const int32_t before = job.spec().priority();
    if (before == priority) return ViewLocked(job_id);
    job.mutable_spec()->set_priority(priority);
    const bool in_core = !job.held() &&
                         awaiting_dependencies_.count(job_id) == 0 &&
                         backoff_.count(job_id) == 0;
    // In place: it keeps its submit time and the service it attained in
    // earlier runs (time-sharing policies order by that).
    if (in_core) RETURN_IF_ERROR(core_->SetPriority(job_id, priority));
    absl::Status s =
        CommitLocked({job}, {},
                     {Event(job_id, "PRIORITY_CHANGED",
                            absl::StrCat(before, " -> ", priority, " by ",
                                         by.empty() ? "-" : by))});
    if (!s.ok()) {
      if (in_core) (void)core_->SetPriority(job_id, before);
      return s;
    }
    WakeLocked();
    return ViewLocked(job_id);
  });
}

}  // namespace hetsched::control
