#include "scheduler/control/job_lifecycle.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/accelerator_catalogue.h"
#include "scheduler/control/convert.h"

namespace hetsched::control {

std::string TaskId(const std::string& job_id, uint32_t rank, uint32_t attempt) {
  return absl::StrCat(job_id, "-r", rank, "-a", attempt);
}

void AddAttemptTasks(v1::Job& job) {
  uint32_t rank = 0;
  for (const auto& group : job.spec().task_groups()) {
    for (uint32_t r = 0; r < group.replicas(); ++r, ++rank) {
      v1::Task* t = job.add_tasks();
      t->set_id(TaskId(job.id(), rank, job.attempt()));
      t->set_job_id(job.id());
      t->set_task_group(group.name());
      t->set_replica_index(r);
      t->set_rank(rank);
      t->set_attempt(job.attempt());
      t->set_state(v1::TASK_STATE_PENDING);
    }
  }
}

std::vector<v1::Task*> CurrentTasks(v1::Job& job) {
  std::vector<v1::Task*> out;
  for (auto& t : *job.mutable_tasks()) {
    if (t.attempt() == job.attempt() && !t.superseded()) out.push_back(&t);
  }
  return out;
}

std::vector<const v1::Task*> CurrentTasks(const v1::Job& job) {
  std::vector<const v1::Task*> out;
  for (const auto& t : job.tasks()) {
    if (t.attempt() == job.attempt() && !t.superseded()) out.push_back(&t);
  }
  return out;
}

v1::Task* RestartReplica(v1::Job& job, const std::string& task_id) {
  v1::Task* old = FindTask(job, task_id);
  if (old == nullptr) return nullptr;
  old->set_superseded(true);
  v1::Task fresh = *old;
  fresh.set_superseded(false);
  fresh.set_restart(old->restart() + 1);
  fresh.set_id(absl::StrCat(TaskId(job.id(), old->rank(), old->attempt()), "-s",
                            fresh.restart()));
  fresh.set_state(v1::TASK_STATE_PLACED);
  fresh.set_exit_code(0);
  fresh.clear_message();
  fresh.set_start_time_ms(0);
  fresh.set_end_time_ms(0);
  fresh.set_steps(0);
  job.set_replica_restarts(job.replica_restarts() + 1);
  *job.add_tasks() = std::move(fresh);
  return &job.mutable_tasks()->at(job.tasks_size() - 1);
}

v1::Task* FindTask(v1::Job& job, const std::string& task_id) {
  for (auto& t : *job.mutable_tasks()) {
    if (t.id() == task_id) return &t;
  }
  return nullptr;
}

bool HasProcess(v1::TaskState s) {
  return s == v1::TASK_STATE_PLACED || s == v1::TASK_STATE_STARTING ||
         s == v1::TASK_STATE_RUNNING;
}

namespace {

// A service whose replica was lost (or whose restarts in place ran out)
// starts over elsewhere within the same restart budget.
uint32_t RetriesAllowed(const v1::Job& job) {
  return job.spec().kind() == v1::JOB_KIND_INFERENCE
             ? job.spec().inference().max_restarts()
             : job.spec().retry().max_retries();
}

std::string FailureReason(const v1::Task& t) {
  std::string what = t.state() == v1::TASK_STATE_LOST
                         ? "was lost"
                         : absl::StrCat("exited with code ", t.exit_code());
  std::string reason = absl::StrCat("rank ", t.rank(), " ", what);
  if (!t.message().empty()) absl::StrAppend(&reason, ": ", t.message());
  return reason;
}

}  // namespace

JobReview ReviewJob(const v1::Job& job) {
  JobReview review;
  if (IsTerminal(job.state())) return review;
  auto tasks = CurrentTasks(job);
  bool alive = false;
  bool all_succeeded = !tasks.empty();
  const v1::Task* failed = nullptr;
  const v1::Task* preempted = nullptr;
  for (const v1::Task* t : tasks) {
    alive = alive || HasProcess(t->state());
    all_succeeded = all_succeeded && t->state() == v1::TASK_STATE_SUCCEEDED;
    if ((t->state() == v1::TASK_STATE_FAILED ||
         t->state() == v1::TASK_STATE_LOST) &&
        failed == nullptr) {
      failed = t;
    }
    if (t->state() == v1::TASK_STATE_PREEMPTED && preempted == nullptr) {
      preempted = t;
    }
  }
  if (job.cancel_requested()) {
    review.verdict = alive ? JobVerdict::kKillLive : JobVerdict::kCancelled;
    review.reason = "cancelled";
    review.final_state = v1::TASK_STATE_CANCELLED;
    return review;
  }
  // A service restarts a failed replica where it ran; the others keep
  // serving. A gang (training) cannot lose a member, so it restarts whole.
  if (failed != nullptr && job.spec().kind() == v1::JOB_KIND_INFERENCE &&
      failed->state() == v1::TASK_STATE_FAILED &&
      job.replica_restarts() < job.spec().inference().max_restarts()) {
    review.verdict = JobVerdict::kRestartReplica;
    review.reason = FailureReason(*failed);
    review.task_id = failed->id();
    return review;
  }
  if (failed != nullptr) {
    review.reason = FailureReason(*failed);
    review.exit_code = failed->exit_code();
    if (alive) {
      review.verdict = JobVerdict::kKillLive;
      review.final_state = v1::TASK_STATE_CANCELLED;
    } else {
      review.verdict = job.attempt() < RetriesAllowed(job)
                           ? JobVerdict::kRetry
                           : JobVerdict::kFailed;
    }
    return review;
  }
  if (preempted != nullptr) {
    review.reason = "preempted";
    review.final_state = v1::TASK_STATE_PREEMPTED;
    review.verdict = alive ? JobVerdict::kKillLive : JobVerdict::kRequeue;
    return review;
  }
  if (all_succeeded) review.verdict = JobVerdict::kSucceeded;
  return review;
}

uint32_t TerminationGraceS(const v1::JobSpec& spec) {
  return spec.termination_grace_s() != 0 ? spec.termination_grace_s()
                                         : kDefaultTerminationGraceS;
}

bool OneProcessPerReplica(const v1::JobSpec& spec) {
  for (const auto& group : spec.task_groups()) {
    if (group.accelerators().count() > 1) return false;
  }
  return true;
}

v1::TaskAssignment MakeAssignment(const v1::Job& job, const v1::Task& task,
                                  const std::string& master_addr,
                                  uint32_t master_port) {
  v1::TaskAssignment a;
  a.set_task_id(task.id());
  a.set_job_id(job.id());
  a.set_accelerator_kind(task.accelerator_kind());
  a.set_max_runtime_s(job.spec().max_runtime_s());
  a.set_attempt(task.attempt());
  a.set_restart(task.restart());
  a.set_termination_grace_s(TerminationGraceS(job.spec()));
  a.set_signal_before_timeout_s(job.spec().signal_before_timeout_s());
  a.set_owner(job.spec().owner());
  a.set_workdir_sha256(job.spec().workdir_sha256());
  *a.mutable_setup() = job.spec().setup();
  if (task.rank() == 0) a.set_master_port(master_port);
  *a.mutable_device_indices() = task.device_indices();
  uint32_t nproc = 1;
  uint32_t nnodes = 0;
  for (const auto& group : job.spec().task_groups()) {
    nnodes += group.replicas();
    if (group.name() != task.task_group()) continue;
    *a.mutable_command() = group.command();
    *a.mutable_env() = group.env();
    nproc = std::max<uint32_t>(1, group.accelerators().count());
  }
  // The scheduler's variables win over the job's own env of the same name.
  auto& env = *a.mutable_env();
  env["HETSCHED_JOB_ID"] = job.id();
  if (!job.array_job_id().empty()) {
    env["HETSCHED_ARRAY_JOB_ID"] = job.array_job_id();
    env["HETSCHED_ARRAY_TASK_ID"] = absl::StrCat(job.array_task_id());
  }
  env["HETSCHED_TASK_ID"] = task.id();
  env["HETSCHED_ATTEMPT"] = absl::StrCat(task.attempt());
  env["HETSCHED_RESTART_COUNT"] = absl::StrCat(task.restart());
  // torchrun's: one replica is one torchrun "node" starting NPROC_PER_NODE
  // processes; PET_* are what torchrun reads for its own flags.
  const std::string port = absl::StrCat(master_port);
  for (const std::string prefix : {"", "PET_"}) {
    env[prefix + "NNODES"] = absl::StrCat(nnodes);
    env[prefix + "NODE_RANK"] = absl::StrCat(task.rank());
    env[prefix + "NPROC_PER_NODE"] = absl::StrCat(nproc);
    env[prefix + "MASTER_ADDR"] = master_addr;
    env[prefix + "MASTER_PORT"] = port;
  }
  // The per-process names keep torchrun's meaning, so they are only true
  // when a replica is one process.
  if (OneProcessPerReplica(job.spec())) {
    env["RANK"] = absl::StrCat(task.rank());
    env["WORLD_SIZE"] = absl::StrCat(nnodes);
    env["LOCAL_RANK"] = "0";
    env["LOCAL_WORLD_SIZE"] = "1";
  } else {
    for (const char* name :
         {"RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE"}) {
      env.erase(name);
    }
  }
  // The Neuron runtime's collectives root: rank 0's host, the port after
  // MASTER_PORT (both are kept for the job, see rendezvous_ports.h).
  if (VendorOf(task.accelerator_kind()) == "aws") {
    env["NEURON_RT_ROOT_COMM_ID"] =
        absl::StrCat(master_addr, ":", master_port + 1);
  }
  return a;
}

}  // namespace hetsched::control
