// Retention: a finished job leaves memory and the store once it ended
// longer ago than --retain-finished, its usage still counts, jobs that
// depend on it still see how it ended, and its id is never given again.
#include "gtest/gtest.h"
#include "scheduler/control/control_plane_fixture.h"
#include "scheduler/control/job_retention.h"

namespace hetsched::control::testing {
namespace {

using ControlPlaneRetentionTest = ControlPlaneTest;

double AcceleratorHours(ControlPlane& cp) {
  v1::GetUsageRequest request;
  request.set_group_by("job");
  auto usage = cp.GetUsage(request);
  EXPECT_TRUE(usage.ok()) << usage.status();
  return usage.ok() ? usage->total_accelerator_hours() : -1;
}

TEST_F(ControlPlaneRetentionTest, AFinishedJobRetiresAfterTheRetention) {
  auto id = cp_->SubmitJob(Gang(1, 8));
  ASSERT_TRUE(id.ok());
  ASSERT_EQ(cp_->Tick(), 1);
  const auto assignments =
      h0_->Assignments().empty() ? h1_->Assignments() : h0_->Assignments();
  ASSERT_EQ(assignments.size(), 1u);
  const std::string node = h0_->Assignments().empty() ? "h1" : "h0";
  Report(node, assignments[0], v1::TASK_STATE_RUNNING);
  clock_.Advance(absl::Hours(1));
  Report(node, assignments[0], v1::TASK_STATE_SUCCEEDED);
  ASSERT_EQ(StateOf(*id), v1::JOB_STATE_SUCCEEDED);
  EXPECT_DOUBLE_EQ(AcceleratorHours(*cp_), 8.0);

  // Six days on: still kept (the default retention is seven).
  clock_.Advance(absl::Hours(6 * 24));
  cp_->Tick();
  EXPECT_TRUE(cp_->GetJob(*id).ok());

  clock_.Advance(absl::Hours(25));
  cp_->Tick();
  auto gone = cp_->GetJob(*id);
  EXPECT_EQ(gone.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(gone.status().message().find("retired"), std::string::npos)
      << gone.status();
  EXPECT_EQ(cp_->ListJobs(v1::ListJobsRequest())->jobs_size(), 0);
  EXPECT_DOUBLE_EQ(AcceleratorHours(*cp_), 8.0);  // usage stays

  // Out of the store too, and a restart neither revives it nor reuses
  // its id.
  EXPECT_TRUE(store_->LoadJobs()->empty());
  EXPECT_TRUE(store_->LoadEvents(*id)->empty());
  Open();
  ASSERT_TRUE(cp_->Recover().ok());
  EXPECT_EQ(cp_->GetJob(*id).status().code(), absl::StatusCode::kNotFound);
  EXPECT_DOUBLE_EQ(AcceleratorHours(*cp_), 8.0);
  // A job may still depend on it: it succeeded.
  v1::JobSpec after = Gang(1, 8);
  after.add_depends_on(*id);
  auto next = cp_->SubmitJob(after);
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_GT(*next, *id);
  cp_->Tick();
  EXPECT_EQ(StateOf(*next), v1::JOB_STATE_PENDING);
  EXPECT_EQ(cp_->GetJob(*next)->message().find("cancel"), std::string::npos);
}

TEST_F(ControlPlaneRetentionTest, RunningAndPendingJobsNeverRetire) {
  auto running = cp_->SubmitJob(Gang(1, 8));
  auto pending = cp_->SubmitJob(Gang(3, 8));  // cannot fit: stays pending
  ASSERT_TRUE(running.ok());
  ASSERT_TRUE(pending.ok());
  cp_->Tick();
  clock_.Advance(absl::Hours(30 * 24));
  cp_->Tick();
  EXPECT_TRUE(cp_->GetJob(*running).ok());
  EXPECT_TRUE(cp_->GetJob(*pending).ok());
}

TEST(JobRetentionTest, TheSummaryKeepsWhatUsageAndDependenciesRead) {
  v1::Job job;
  job.set_id("j-000042");
  job.set_state(v1::JOB_STATE_FAILED);
  job.set_end_time_ms(5000);
  job.mutable_spec()->set_owner("ml");
  job.mutable_spec()->set_queue("research");
  (*job.mutable_spec()->add_task_groups()->mutable_env())["SECRET"] = "x";
  v1::Task* ran = job.add_tasks();
  ran->set_id("t0");
  ran->set_node("h0");
  ran->set_accelerator_kind("nvidia/h100");
  ran->add_device_indices(3);
  ran->set_start_time_ms(1000);
  ran->set_end_time_ms(5000);
  job.add_tasks()->set_id("never-ran");
  const v1::Job summary = RetiredSummary(job);
  EXPECT_EQ(summary.state(), v1::JOB_STATE_FAILED);
  EXPECT_EQ(summary.spec().queue(), "research");
  EXPECT_EQ(summary.spec().task_groups_size(), 0);  // no command, no env
  ASSERT_EQ(summary.tasks_size(), 1);
  EXPECT_EQ(summary.tasks(0).device_indices(0), 3);
  EXPECT_FALSE(DueForRetirement(job, absl::Seconds(10), 14'999));
  EXPECT_TRUE(DueForRetirement(job, absl::Seconds(10), 15'000));
  EXPECT_FALSE(DueForRetirement(job, absl::ZeroDuration(), 1'000'000'000));
}

}  // namespace
}  // namespace hetsched::control::testing
