// A job whose attempts fail waits out a growing back-off before each
// retry: it holds no devices meanwhile and says why it pends.
#include "gtest/gtest.h"
#include "scheduler/control/control_plane_fixture.h"
#include "scheduler/control/retry_backoff.h"

namespace hetsched::control::testing {
namespace {

TEST(RetryBackoffTest, DoublesFromTheBaseUpToTheCap) {
  const absl::Duration base = absl::Seconds(10), cap = absl::Minutes(6);
  EXPECT_EQ(RetryBackoff(base, cap, 1), absl::Seconds(10));
  EXPECT_EQ(RetryBackoff(base, cap, 2), absl::Seconds(20));
  EXPECT_EQ(RetryBackoff(base, cap, 4), absl::Seconds(80));
  EXPECT_EQ(RetryBackoff(base, cap, 6), absl::Seconds(320));
  EXPECT_EQ(RetryBackoff(base, cap, 7), absl::Minutes(6));
  EXPECT_EQ(RetryBackoff(base, cap, 4000000000u), absl::Minutes(6));
  EXPECT_EQ(RetryBackoff(absl::ZeroDuration(), cap, 3), absl::ZeroDuration());
}

class ControlPlaneBackoffTest : public ControlPlaneTest {
 protected:
  // Time passes; h0's agent keeps beating so that it is never LOST.
  void Wait(absl::Duration d) {
    clock_.Advance(d);
    ASSERT_TRUE(cp_->Heartbeat("h0", v1::Heartbeat()).ok());
  }
};

// Fails every task of the job's current attempt on h0 with exit code 1.
void FailAttempt(const RecordingSink& sink, size_t* seen, ControlPlane& cp) {
  auto assignments = sink.Assignments();
  for (; *seen < assignments.size(); ++*seen) {
    v1::TaskStatus s;
    s.set_task_id(assignments[*seen].task_id());
    s.set_job_id(assignments[*seen].job_id());
    s.set_state(v1::TASK_STATE_FAILED);
    s.set_exit_code(1);
    ASSERT_TRUE(cp.ReportTaskStatus("h0", s).ok());
  }
}

TEST_F(ControlPlaneBackoffTest, EachRetryWaitsLongerAndHoldsNoDevices) {
  auto id = cp_->SubmitJob(Gang(1, 8, /*retries=*/2));
  ASSERT_TRUE(id.ok()) << id.status();
  // One replica of 8 on h0 or h1; make it h0's by draining h1.
  ASSERT_TRUE(cp_->SetDrained("h1", true, "").ok());
  ASSERT_EQ(cp_->Tick(), 1);
  size_t seen = 0;
  FailAttempt(*h0_, &seen, *cp_);
  ASSERT_EQ(seen, 1u);

  // Attempt 1 waits 10 s: pending with the reason, nothing placed, the
  // devices free.
  v1::Job job = cp_->GetJob(*id).value();
  EXPECT_EQ(job.state(), v1::JOB_STATE_PENDING);
  EXPECT_EQ(job.attempt(), 1u);
  EXPECT_EQ(job.pending_reason(), "retry back-off: attempt 1 is queued in 10s");
  EXPECT_EQ(cp_->Tick(), 0);
  EXPECT_EQ(cp_->GetNode("h0").value().accelerators_allocated(), 0u);
  Wait(absl::Seconds(9));
  EXPECT_EQ(cp_->Tick(), 0);
  Wait(absl::Seconds(1));
  EXPECT_EQ(cp_->Tick(), 1);

  // Attempt 2 waits 20 s.
  FailAttempt(*h0_, &seen, *cp_);
  EXPECT_EQ(cp_->GetJob(*id).value().pending_reason(),
            "retry back-off: attempt 2 is queued in 20s");
  Wait(absl::Seconds(19));
  EXPECT_EQ(cp_->Tick(), 0);
  Wait(absl::Seconds(1));
  EXPECT_EQ(cp_->Tick(), 1) << cp_->GetJob(*id).value().DebugString();

  // Retries spent: the third failure ends the job.
  FailAttempt(*h0_, &seen, *cp_);
  EXPECT_EQ(StateOf(*id), v1::JOB_STATE_FAILED);
}

TEST_F(ControlPlaneBackoffTest, CancellingDuringTheBackoffEndsTheJob) {
  ASSERT_TRUE(cp_->SetDrained("h1", true, "").ok());
  auto id = cp_->SubmitJob(Gang(1, 8, /*retries=*/5));
  ASSERT_TRUE(id.ok());
  ASSERT_EQ(cp_->Tick(), 1);
  size_t seen = 0;
  FailAttempt(*h0_, &seen, *cp_);
  ASSERT_TRUE(cp_->CancelJob(*id, "enough").ok());
  EXPECT_EQ(StateOf(*id), v1::JOB_STATE_CANCELLED);
  Wait(absl::Minutes(10));
  EXPECT_EQ(cp_->Tick(), 0);  // not revived when its back-off ends
  EXPECT_EQ(StateOf(*id), v1::JOB_STATE_CANCELLED);
}

}  // namespace
}  // namespace hetsched::control::testing
