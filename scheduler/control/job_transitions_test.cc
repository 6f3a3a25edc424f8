#include "scheduler/control/job_transitions.h"

#include "gtest/gtest.h"

namespace hetsched::control {
namespace {

constexpr int64_t kSubmitMs = 1'000'000;

v1::Job Pending() {
  v1::Job job;
  job.set_id("j-000001");
  job.set_state(v1::JOB_STATE_PENDING);
  job.set_submit_time_ms(kSubmitMs);
  job.mutable_spec()->set_queue("research");
  auto* t = job.add_tasks();
  t->set_id("j-000001-r0-a0");
  t->set_state(v1::TASK_STATE_PENDING);
  return job;
}

TEST(JobTransitionsTest, ANewJobHasNoTransitions) {
  EXPECT_TRUE(
      DiffJob(nullptr, Pending(), absl::FromUnixMillis(kSubmitMs)).empty());
}

TEST(JobTransitionsTest, FirstPlacementMeasuresTheWaitToTheMillisecond) {
  v1::Job before = Pending();
  v1::Job after = before;
  after.set_state(v1::JOB_STATE_RUNNING);
  auto out = DiffJob(&before, after, absl::FromUnixMillis(kSubmitMs + 7));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, JobTransition::Type::kPlaced);
  EXPECT_EQ(out[0].queue, "research");
  EXPECT_EQ(out[0].since_submit, absl::Milliseconds(7));
}

TEST(JobTransitionsTest, ARequeuedAttemptIsNotASecondFirstPlacement) {
  v1::Job before = Pending();
  before.set_attempt(1);
  v1::Job after = before;
  after.set_state(v1::JOB_STATE_RUNNING);
  EXPECT_TRUE(
      DiffJob(&before, after, absl::FromUnixMillis(kSubmitMs + 9)).empty());
}

TEST(JobTransitionsTest, RunningIsMeasuredFromTheStartTime) {
  v1::Job before = Pending();
  before.set_state(v1::JOB_STATE_RUNNING);
  v1::Job after = before;
  after.set_start_time_ms(kSubmitMs + 40);
  auto out = DiffJob(&before, after, absl::FromUnixMillis(kSubmitMs + 99));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, JobTransition::Type::kRunning);
  EXPECT_EQ(out[0].since_submit, absl::Milliseconds(40));
}

TEST(JobTransitionsTest, EndsOfTasksAndTheJobAreCountedOnce) {
  v1::Job before = Pending();
  before.set_state(v1::JOB_STATE_RUNNING);
  v1::Job after = before;
  after.mutable_tasks(0)->set_state(v1::TASK_STATE_FAILED);
  after.set_state(v1::JOB_STATE_FAILED);
  auto out = DiffJob(&before, after, absl::FromUnixMillis(kSubmitMs));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].type, JobTransition::Type::kTaskEnded);
  EXPECT_EQ(out[0].task_state, v1::TASK_STATE_FAILED);
  EXPECT_EQ(out[1].type, JobTransition::Type::kFinished);
  EXPECT_EQ(out[1].job_state, v1::JOB_STATE_FAILED);
  // The same ended job committed again (say, an event added) adds nothing.
  EXPECT_TRUE(DiffJob(&after, after, absl::FromUnixMillis(kSubmitMs)).empty());
}

}  // namespace
}  // namespace hetsched::control
