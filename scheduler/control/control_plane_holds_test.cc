// The operator verbs through the control plane: hold and release, requeue
// (with and without hold) and priority updates, across a restart too.
#include <string>

#include "gtest/gtest.h"
#include "scheduler/control/control_plane_fixture.h"

namespace hetsched::control {
namespace {

using testing::ControlPlaneTest;
using testing::Gang;
using testing::Host;
using testing::RecordingSink;

const ControlPlane::JobHold kAliceHold{"alice", "dataset not ready", false};

TEST_F(ControlPlaneTest, AHeldJobWaitsOutsideTheQueueUntilReleased) {
  auto id = cp_->SubmitJob(Gang(1, 8));
  ASSERT_TRUE(id.ok());
  auto held = cp_->HoldJob(*id, kAliceHold);
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_TRUE(held->held());
  EXPECT_EQ(held->pending_reason(),
            "held by alice: dataset not ready; `hetsched release " + *id +
                "` queues it again");
  cp_->Tick();
  EXPECT_TRUE(h0_->Assignments().empty());
  EXPECT_TRUE(h1_->Assignments().empty());
  // Holding again changes nothing.
  EXPECT_TRUE(cp_->HoldJob(*id, kAliceHold).ok());

  auto released = cp_->ReleaseJob(*id, "alice");
  ASSERT_TRUE(released.ok()) << released.status();
  EXPECT_FALSE(released->held());
  cp_->Tick();
  EXPECT_EQ(StateOf(*id), v1::JOB_STATE_RUNNING);
  auto events = cp_->GetJob(*id)->events();
  std::vector<std::string> types;
  for (const auto& e : events) types.push_back(e.type());
  EXPECT_NE(std::find(types.begin(), types.end(), "HELD"), types.end());
  EXPECT_NE(std::find(types.begin(), types.end(), "RELEASED"), types.end());
}

TEST_F(ControlPlaneTest, AHoldSurvivesARestart) {
  auto id = cp_->SubmitJob(Gang(1, 8));
  ASSERT_TRUE(cp_->HoldJob(*id, kAliceHold).ok());
  Open();
  ASSERT_TRUE(cp_->Recover().ok());
  auto h0 = std::make_shared<RecordingSink>();
  ASSERT_TRUE(cp_->RegisterAgent(Host("h0", "nvidia/h100", 8), h0).ok());
  cp_->Tick();
  EXPECT_TRUE(h0->Assignments().empty());
  EXPECT_TRUE(cp_->GetJob(*id)->held());
  ASSERT_TRUE(cp_->ReleaseJob(*id, "alice").ok());
  cp_->Tick();
  EXPECT_EQ(h0->Assignments().size(), 1u);
}

TEST_F(ControlPlaneTest, OnlyPendingJobsAreHeldAndOnlyHeldOnesReleased) {
  auto id = cp_->SubmitJob(Gang(1, 8));
  EXPECT_EQ(cp_->ReleaseJob(*id, "alice").status().code(),
            absl::StatusCode::kFailedPrecondition);
  cp_->Tick();
  auto running = cp_->HoldJob(*id, kAliceHold);
  EXPECT_EQ(running.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(running.status().message().find("requeue --hold"),
            std::string::npos);
  EXPECT_EQ(cp_->HoldJob("j-999999", kAliceHold).status().code(),
            absl::StatusCode::kNotFound);
  ControlPlane::JobHold noisy = kAliceHold;
  noisy.reason = "\x1b[2J";
  EXPECT_EQ(cp_->HoldJob(*id, noisy).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(ControlPlaneTest, RequeueStopsTheReplicasAndQueuesANewAttempt) {
  auto id = cp_->SubmitJob(Gang(1, 8, /*retries=*/0));
  cp_->Tick();
  ASSERT_EQ(h0_->Assignments().size(), 1u);
  const v1::TaskAssignment first = h0_->Assignments()[0];
  Report("h0", first, v1::TASK_STATE_RUNNING);
  EXPECT_EQ(
      cp_->RequeueJob("j-999999", "ops", "", std::nullopt).status().code(),
      absl::StatusCode::kNotFound);
  auto requeued = cp_->RequeueJob(*id, "ops", "node maintenance", std::nullopt);
  ASSERT_TRUE(requeued.ok()) << requeued.status();
  ASSERT_EQ(h0_->Kills().size(), 1u);
  EXPECT_EQ(h0_->Kills()[0].final_state(), v1::TASK_STATE_PREEMPTED);
  Report("h0", first, v1::TASK_STATE_PREEMPTED);
  // Not a failure: with no retries left it still comes back.
  auto job = cp_->GetJob(*id);
  EXPECT_EQ(job->state(), v1::JOB_STATE_PENDING);
  EXPECT_EQ(job->attempt(), 1u);
  cp_->Tick();
  EXPECT_EQ(StateOf(*id), v1::JOB_STATE_RUNNING);
  EXPECT_EQ(h0_->Assignments().size() + h1_->Assignments().size(), 2u);
  // A pending job has nothing to requeue.
  auto pending = cp_->SubmitJob(Gang(2, 8));
  EXPECT_EQ(cp_->RequeueJob(*pending, "ops", "", std::nullopt).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(ControlPlaneTest, RequeueWithHoldKeepsTheStoppedJobOutOfLine) {
  auto id = cp_->SubmitJob(Gang(1, 8));
  cp_->Tick();
  const v1::TaskAssignment first = h0_->Assignments()[0];
  Report("h0", first, v1::TASK_STATE_RUNNING);
  ASSERT_TRUE(cp_->RequeueJob(*id, "ops", "", kAliceHold).ok());
  EXPECT_TRUE(cp_->GetJob(*id)->held());
  Report("h0", first, v1::TASK_STATE_PREEMPTED);
  cp_->Tick();
  EXPECT_EQ(StateOf(*id), v1::JOB_STATE_PENDING);
  EXPECT_EQ(h0_->Assignments().size() + h1_->Assignments().size(), 1u);
  ASSERT_TRUE(cp_->ReleaseJob(*id, "alice").ok());
  cp_->Tick();
  EXPECT_EQ(StateOf(*id), v1::JOB_STATE_RUNNING);
}

TEST_F(ControlPlaneTest, ARaisedPriorityGoesFirstAmongPendingJobs) {
  auto blocker = cp_->SubmitJob(Gang(2, 8));
  cp_->Tick();
  ASSERT_EQ(StateOf(*blocker), v1::JOB_STATE_RUNNING);
  auto first = cp_->SubmitJob(Gang(2, 8));
  auto second = cp_->SubmitJob(Gang(2, 8));
  auto updated = cp_->SetJobPriority(*second, 10, "ops");
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->spec().priority(), 10);
  Report("h0", h0_->Assignments()[0], v1::TASK_STATE_SUCCEEDED);
  Report("h1", h1_->Assignments()[0], v1::TASK_STATE_SUCCEEDED);
  cp_->Tick();
  EXPECT_EQ(StateOf(*second), v1::JOB_STATE_RUNNING);
  EXPECT_EQ(StateOf(*first), v1::JOB_STATE_PENDING);
  // Only pending jobs, within bounds.
  EXPECT_EQ(cp_->SetJobPriority(*second, 1, "ops").status().code(),
            absl::StatusCode::kFailedPrecondition);
  auto bad = cp_->SetJobPriority(*first, 2000000, "ops");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("priority: must be between"),
            std::string::npos);
}

TEST_F(ControlPlaneTest, ASignalGoesToEveryStartedReplica) {
  auto id = cp_->SubmitJob(Gang(2, 8));
  EXPECT_EQ(cp_->SignalJob(*id, "USR1", "ops").status().code(),
            absl::StatusCode::kFailedPrecondition);  // nothing started yet
  cp_->Tick();
  Report("h0", h0_->Assignments()[0], v1::TASK_STATE_RUNNING);
  Report("h1", h1_->Assignments()[0], v1::TASK_STATE_RUNNING);
  auto bad = cp_->SignalJob(*id, "KILL", "ops");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("signal: 'KILL' is not one of"),
            std::string::npos);
  auto job = cp_->SignalJob(*id, "sigusr1", "ops");
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->state(), v1::JOB_STATE_RUNNING);
  for (const auto& sink : {h0_, h1_}) {
    int signals = 0;
    for (const auto& m : sink->Messages()) {
      if (!m.has_signal_task()) continue;
      ++signals;
      EXPECT_EQ(m.signal_task().signal(), "USR1");
    }
    EXPECT_EQ(signals, 1);
  }
  EXPECT_EQ(job->events().size(), 0);  // the view carries no events...
  const auto events = cp_->GetJob(*id)->events();
  EXPECT_EQ(events.rbegin()->type(), "SIGNALLED");
  EXPECT_EQ(events.rbegin()->message(), "SIGUSR1 to 2 replicas by ops");
}

TEST_F(ControlPlaneTest, AHeldDependentStaysHeldWhenItsDependencyIsMet) {
  auto parent = cp_->SubmitJob(Gang(1, 8));
  cp_->Tick();
  v1::JobSpec child_spec = Gang(1, 8);
  child_spec.add_depends_on(*parent);
  auto child = cp_->SubmitJob(child_spec);
  ASSERT_TRUE(child.ok()) << child.status();
  ASSERT_TRUE(cp_->HoldJob(*child, kAliceHold).ok());
  Report("h0", h0_->Assignments()[0], v1::TASK_STATE_SUCCEEDED);
  cp_->Tick();
  EXPECT_EQ(StateOf(*child), v1::JOB_STATE_PENDING);
  EXPECT_EQ(h0_->Assignments().size() + h1_->Assignments().size(), 1u);
  ASSERT_TRUE(cp_->ReleaseJob(*child, "alice").ok());
  cp_->Tick();
  EXPECT_EQ(StateOf(*child), v1::JOB_STATE_RUNNING);
}

}  // namespace
}  // namespace hetsched::control
