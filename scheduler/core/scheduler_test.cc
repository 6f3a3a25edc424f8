#include "scheduler/core/scheduler.h"

#include "gtest/gtest.h"
#include "scheduler/core/task_state.h"
#include "scheduler/core/test_cluster.h"

namespace hetsched::core {
namespace {

using testing::MakeJob;
using testing::MakeNode;

std::unique_ptr<Scheduler> NewScheduler() {
  auto s = Scheduler::Create({});
  EXPECT_TRUE(s.ok());
  EXPECT_TRUE(
      (*s)->cluster().UpsertNode(MakeNode("n0", "nvidia/h100", 8)).ok());
  return std::move(*s);
}

TEST(SchedulerTest, PlacesHighestPriorityFirst) {
  auto s = NewScheduler();
  ASSERT_TRUE(s->Submit(MakeJob("low", 1, 8, {}, 1)).ok());
  ASSERT_TRUE(s->Submit(MakeJob("high", 1, 8, {}, 9)).ok());
  auto d = s->Schedule(absl::UnixEpoch());
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].job_id, "high");
  EXPECT_TRUE(s->IsPending("low"));
  EXPECT_FALSE(s->PendingReason("low").empty());
}

TEST(SchedulerTest, RemoveFreesRoomForTheNext) {
  auto s = NewScheduler();
  ASSERT_TRUE(s->Submit(MakeJob("a", 1, 8)).ok());
  ASSERT_TRUE(s->Submit(MakeJob("b", 1, 8)).ok());
  EXPECT_EQ(s->Schedule(absl::UnixEpoch()).size(), 1u);
  s->Remove("a");
  auto d = s->Schedule(absl::UnixEpoch());
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].job_id, "b");
  EXPECT_EQ(s->pending_count(), 0u);
}

TEST(SchedulerTest, DuplicateSubmitIsAlreadyExists) {
  auto s = NewScheduler();
  ASSERT_TRUE(s->Submit(MakeJob("a", 1, 1)).ok());
  EXPECT_EQ(s->Submit(MakeJob("a", 1, 1)).code(),
            absl::StatusCode::kAlreadyExists);
}

TEST(SchedulerTest, RestoreHoldsTheOldPlacement) {
  auto s = NewScheduler();
  Placement p;
  p.replicas.push_back({0, 0, "n0", {0, 1, 2, 3, 4, 5, 6, 7}});
  ASSERT_TRUE(s->Restore(MakeJob("old", 1, 8), p).ok());
  ASSERT_TRUE(s->Submit(MakeJob("new", 1, 1)).ok());
  EXPECT_TRUE(s->Schedule(absl::UnixEpoch()).empty());
  s->Requeue("old");
  EXPECT_TRUE(s->IsPending("old"));
}

TEST(SchedulerTest, InfeasibleJobStaysPendingWithReason) {
  auto s = NewScheduler();
  ASSERT_TRUE(s->Submit(MakeJob("big", 4, 8)).ok());
  EXPECT_TRUE(s->Schedule(absl::UnixEpoch()).empty());
  EXPECT_EQ(s->PendingReason("big").rfind("infeasible: ", 0), 0u);
}

TEST(TaskStateTest, TerminalStatesAreFinal) {
  EXPECT_FALSE(CanTransition(TaskState::kSucceeded, TaskState::kRunning));
  EXPECT_FALSE(CanTransition(TaskState::kCancelled, TaskState::kFailed));
  EXPECT_TRUE(CanTransition(TaskState::kPending, TaskState::kPlaced));
  EXPECT_TRUE(CanTransition(TaskState::kPlaced, TaskState::kRunning));
  EXPECT_FALSE(CanTransition(TaskState::kRunning, TaskState::kStarting));
  EXPECT_TRUE(CanTransition(TaskState::kStarting, TaskState::kLost));
  EXPECT_FALSE(CanTransition(TaskState::kPending, TaskState::kSucceeded));
  EXPECT_TRUE(IsTerminal(TaskState::kPreempted));
  EXPECT_EQ(TaskStateName(TaskState::kLost), "LOST");
}

}  // namespace
}  // namespace hetsched::core
