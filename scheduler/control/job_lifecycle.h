// The life of a job as pure functions over its API record: which tasks an
// attempt has, what the environment of a replica is, and what must happen
// next given the states of its tasks (kill the rest of a gang, retry,
// requeue after preemption, finish). No locks, no I/O.
#pragma once

#include <string>
#include <vector>

#include "hetsched/v1/agent.pb.h"
#include "hetsched/v1/job.pb.h"
#include "proto/api_states.h"

namespace hetsched::control {

std::string TaskId(const std::string& job_id, uint32_t rank, uint32_t attempt);

// Appends PENDING tasks of `job.attempt()`, ranks in group order.
void AddAttemptTasks(v1::Job& job);
// Tasks of the current attempt, without replicas superseded by a restart.
std::vector<v1::Task*> CurrentTasks(v1::Job& job);
std::vector<const v1::Task*> CurrentTasks(const v1::Job& job);
v1::Task* FindTask(v1::Job& job, const std::string& task_id);

// IsTerminal(state) is in proto/api_states.h.

// PLACED, STARTING or RUNNING: a process exists or is being started.
bool HasProcess(v1::TaskState s);

enum class JobVerdict {
  kWait,            // nothing to do now
  kKillLive,        // stop the replicas still alive, with `final_state`
  kSucceeded,       // every replica exited 0
  kFailed,          // a replica failed and no retry is left
  kRetry,           // a replica failed; start a new attempt
  kRequeue,         // preempted; queue again without using a retry
  kRestartReplica,  // inference: restart the failed replica in place
  kCancelled,       // cancel requested and every replica has stopped
};

struct JobReview {
  JobVerdict verdict = JobVerdict::kWait;
  std::string reason;
  int32_t exit_code = 0;
  v1::TaskState final_state = v1::TASK_STATE_CANCELLED;  // for kKillLive
  std::string task_id;  // kRestartReplica: the replica to restart
};

JobReview ReviewJob(const v1::Job& job);

// Inference: marks `task_id` superseded and appends its replacement, PLACED
// on the same node and devices, with the next restart number. Returns the
// new task, or nullptr when `task_id` is unknown.
v1::Task* RestartReplica(v1::Job& job, const std::string& task_id);

// JobSpec.termination_grace_s when 0.
inline constexpr uint32_t kDefaultTerminationGraceS = 30;
uint32_t TerminationGraceS(const v1::JobSpec& spec);

// True when no task group asks for more than one accelerator per replica:
// then a replica is one process and RANK/WORLD_SIZE/LOCAL_RANK/
// LOCAL_WORLD_SIZE are set for it.
bool OneProcessPerReplica(const v1::JobSpec& spec);

// The assignment an agent receives for `task`: command, job env, and the
// launch contract of docs/job-spec.md that the scheduler knows (ranks,
// torchrun's PET_* and plain names, rendezvous at rank 0's
// `master_addr`:`master_port`, attempt, grace). The agent adds what only
// the host knows (device visibility, HETSCHED_JOB_DIR, ...).
v1::TaskAssignment MakeAssignment(const v1::Job& job, const v1::Task& task,
                                  const std::string& master_addr,
                                  uint32_t master_port);

}  // namespace hetsched::control
