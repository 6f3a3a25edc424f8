#include "scheduler/control/job_lifecycle.h"

#include "gtest/gtest.h"

namespace hetsched::control {
namespace {

v1::Job GangOfTwo(uint32_t max_retries = 0) {
  v1::Job job;
  job.set_id("j-000007");
  job.set_state(v1::JOB_STATE_RUNNING);
  auto* g = job.mutable_spec()->add_task_groups();
  g->set_name("workers");
  g->set_replicas(2);
  g->add_command("true");
  (*g->mutable_env())["NCCL_DEBUG"] = "INFO";
  job.mutable_spec()->mutable_retry()->set_max_retries(max_retries);
  AddAttemptTasks(job);
  for (auto* t : CurrentTasks(job)) t->set_state(v1::TASK_STATE_RUNNING);
  return job;
}

TEST(JobLifecycleTest, TasksGetRanksAndAttemptIds) {
  v1::Job job = GangOfTwo();
  ASSERT_EQ(job.tasks_size(), 2);
  EXPECT_EQ(job.tasks(1).id(), "j-000007-r1-a0");
  EXPECT_EQ(job.tasks(1).rank(), 1u);
  job.set_attempt(1);
  AddAttemptTasks(job);
  EXPECT_EQ(CurrentTasks(job).size(), 2u);
  EXPECT_EQ(CurrentTasks(job)[0]->id(), "j-000007-r0-a1");
}

TEST(JobLifecycleTest, AllSucceededSucceeds) {
  v1::Job job = GangOfTwo();
  EXPECT_EQ(ReviewJob(job).verdict, JobVerdict::kWait);
  for (auto* t : CurrentTasks(job)) t->set_state(v1::TASK_STATE_SUCCEEDED);
  EXPECT_EQ(ReviewJob(job).verdict, JobVerdict::kSucceeded);
}

TEST(JobLifecycleTest, OneFailureStopsTheGangThenFails) {
  v1::Job job = GangOfTwo();
  job.mutable_tasks(1)->set_state(v1::TASK_STATE_FAILED);
  job.mutable_tasks(1)->set_exit_code(3);
  JobReview r = ReviewJob(job);
  EXPECT_EQ(r.verdict, JobVerdict::kKillLive);
  job.mutable_tasks(0)->set_state(v1::TASK_STATE_CANCELLED);
  r = ReviewJob(job);
  EXPECT_EQ(r.verdict, JobVerdict::kFailed);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.reason, "rank 1 exited with code 3");
}

TEST(JobLifecycleTest, FailureWithRetriesLeftRetries) {
  v1::Job job = GangOfTwo(/*max_retries=*/1);
  for (auto* t : CurrentTasks(job)) t->set_state(v1::TASK_STATE_LOST);
  EXPECT_EQ(ReviewJob(job).verdict, JobVerdict::kRetry);
  job.set_attempt(1);
  AddAttemptTasks(job);
  for (auto* t : CurrentTasks(job)) t->set_state(v1::TASK_STATE_FAILED);
  EXPECT_EQ(ReviewJob(job).verdict, JobVerdict::kFailed);
}

TEST(JobLifecycleTest, CancelWinsOverFailure) {
  v1::Job job = GangOfTwo();
  job.set_cancel_requested(true);
  EXPECT_EQ(ReviewJob(job).verdict, JobVerdict::kKillLive);
  EXPECT_EQ(ReviewJob(job).final_state, v1::TASK_STATE_CANCELLED);
  job.mutable_tasks(0)->set_state(v1::TASK_STATE_FAILED);
  job.mutable_tasks(1)->set_state(v1::TASK_STATE_CANCELLED);
  EXPECT_EQ(ReviewJob(job).verdict, JobVerdict::kCancelled);
}

TEST(JobLifecycleTest, PreemptedGangIsRequeuedOnceStopped) {
  v1::Job job = GangOfTwo();
  job.mutable_tasks(0)->set_state(v1::TASK_STATE_PREEMPTED);
  JobReview r = ReviewJob(job);
  EXPECT_EQ(r.verdict, JobVerdict::kKillLive);
  EXPECT_EQ(r.final_state, v1::TASK_STATE_PREEMPTED);
  job.mutable_tasks(1)->set_state(v1::TASK_STATE_PREEMPTED);
  EXPECT_EQ(ReviewJob(job).verdict, JobVerdict::kRequeue);
}

TEST(JobLifecycleTest, FailedServiceReplicaRestartsInPlace) {
  v1::Job job = GangOfTwo();
  job.mutable_spec()->set_kind(v1::JOB_KIND_INFERENCE);
  job.mutable_spec()->mutable_inference()->set_max_restarts(1);
  job.mutable_tasks(1)->set_node("n1");
  job.mutable_tasks(1)->add_device_indices(3);
  job.mutable_tasks(1)->set_state(v1::TASK_STATE_FAILED);
  job.mutable_tasks(1)->set_exit_code(2);
  JobReview r = ReviewJob(job);
  ASSERT_EQ(r.verdict, JobVerdict::kRestartReplica);
  EXPECT_EQ(r.task_id, "j-000007-r1-a0");
  v1::Task* fresh = RestartReplica(job, r.task_id);
  ASSERT_NE(fresh, nullptr);
  EXPECT_EQ(fresh->id(), "j-000007-r1-a0-s1");
  EXPECT_EQ(fresh->state(), v1::TASK_STATE_PLACED);
  EXPECT_EQ(fresh->node(), "n1");
  EXPECT_EQ(fresh->device_indices(0), 3u);
  EXPECT_EQ(fresh->rank(), 1u);
  EXPECT_EQ(job.replica_restarts(), 1u);
  ASSERT_EQ(CurrentTasks(job).size(), 2u);
  EXPECT_EQ(ReviewJob(job).verdict, JobVerdict::kWait);  // rank 0 serves on
  // The budget is spent: the next failure stops the service.
  job.mutable_tasks(2)->set_state(v1::TASK_STATE_FAILED);
  EXPECT_EQ(ReviewJob(job).verdict, JobVerdict::kKillLive);
}

TEST(JobLifecycleTest, AssignmentCarriesTorchrunVariables) {
  v1::Job job = GangOfTwo();
  job.mutable_tasks(1)->add_device_indices(4);
  job.mutable_tasks(1)->set_accelerator_kind("nvidia/h100");
  v1::TaskAssignment a = MakeAssignment(job, job.tasks(1), "10.0.0.5", 29502);
  for (const std::string prefix : {"", "PET_"}) {
    EXPECT_EQ(a.env().at(prefix + "NNODES"), "2");
    EXPECT_EQ(a.env().at(prefix + "NODE_RANK"), "1");
    EXPECT_EQ(a.env().at(prefix + "NPROC_PER_NODE"), "1");
    EXPECT_EQ(a.env().at(prefix + "MASTER_ADDR"), "10.0.0.5");
    EXPECT_EQ(a.env().at(prefix + "MASTER_PORT"), "29502");
  }
  // One accelerator per replica: a replica is one process, so the
  // per-process names are set with torchrun's meaning.
  EXPECT_EQ(a.env().at("RANK"), "1");
  EXPECT_EQ(a.env().at("WORLD_SIZE"), "2");
  EXPECT_EQ(a.env().at("LOCAL_RANK"), "0");
  EXPECT_EQ(a.env().at("LOCAL_WORLD_SIZE"), "1");
  EXPECT_EQ(a.env().at("HETSCHED_ATTEMPT"), "0");
  EXPECT_EQ(a.env().at("HETSCHED_RESTART_COUNT"), "0");
  EXPECT_EQ(a.env().at("HETSCHED_TASK_ID"), "j-000007-r1-a0");
  EXPECT_EQ(a.env().at("NCCL_DEBUG"), "INFO");
  EXPECT_FALSE(a.env().contains("NEURON_RT_ROOT_COMM_ID"));
  EXPECT_EQ(a.command(0), "true");
  EXPECT_EQ(a.device_indices(0), 4u);
  EXPECT_EQ(a.master_port(), 0u);  // only rank 0's agent checks the port
  EXPECT_EQ(a.termination_grace_s(), kDefaultTerminationGraceS);
  EXPECT_EQ(MakeAssignment(job, job.tasks(0), "10.0.0.5", 29502).master_port(),
            29502u);
}

TEST(JobLifecycleTest, EightAcceleratorReplicasLeaveRankToTorchrun) {
  v1::Job job = GangOfTwo();
  job.mutable_spec()->mutable_task_groups(0)->mutable_accelerators()->set_count(
      8);
  job.mutable_spec()->mutable_task_groups(0)->mutable_env()->insert(
      {"RANK", "7"});
  job.mutable_tasks(1)->set_attempt(3);
  v1::TaskAssignment a = MakeAssignment(job, job.tasks(1), "h0", 29500);
  EXPECT_EQ(a.env().at("PET_NPROC_PER_NODE"), "8");
  EXPECT_EQ(a.env().at("NPROC_PER_NODE"), "8");
  EXPECT_EQ(a.env().at("PET_NNODES"), "2");
  EXPECT_EQ(a.env().at("PET_NODE_RANK"), "1");
  EXPECT_EQ(a.env().at("HETSCHED_ATTEMPT"), "3");
  for (const char* name :
       {"RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE"}) {
    EXPECT_FALSE(a.env().contains(name)) << name;
  }
}

TEST(JobLifecycleTest, NeuronReplicasGetTheRuntimeRootOnRankZero) {
  v1::Job job = GangOfTwo();
  job.mutable_tasks(1)->set_accelerator_kind("aws/trainium2");
  v1::TaskAssignment a = MakeAssignment(job, job.tasks(1), "10.0.0.5", 29500);
  EXPECT_EQ(a.env().at("NEURON_RT_ROOT_COMM_ID"), "10.0.0.5:29501");
}

TEST(JobLifecycleTest, TerminationGraceDefaultsToThirtySeconds) {
  v1::JobSpec spec;
  EXPECT_EQ(TerminationGraceS(spec), 30u);
  spec.set_termination_grace_s(120);
  EXPECT_EQ(TerminationGraceS(spec), 120u);
  v1::Job job = GangOfTwo();
  job.mutable_spec()->set_termination_grace_s(120);
  job.mutable_spec()->set_signal_before_timeout_s(60);
  v1::TaskAssignment a = MakeAssignment(job, job.tasks(0), "h0", 29500);
  EXPECT_EQ(a.termination_grace_s(), 120u);
  EXPECT_EQ(a.signal_before_timeout_s(), 60u);
}

TEST(JobLifecycleTest, AssignmentsNameTheJobsOwner) {
  // The agent runs the task as the local user this name maps to.
  v1::Job job = GangOfTwo();
  job.mutable_spec()->set_owner("alice");
  EXPECT_EQ(MakeAssignment(job, job.tasks(1), "h0", 29500).owner(), "alice");
}

}  // namespace
}  // namespace hetsched::control
