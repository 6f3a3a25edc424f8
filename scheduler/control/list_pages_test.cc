#include "scheduler/control/list_pages.h"

#include "gtest/gtest.h"
#include "scheduler/control/job_map.h"

namespace hetsched::control {
namespace {

v1::Job JobIn(v1::JobState state, int64_t end_ms = 0) {
  v1::Job job;
  job.set_id("j-000001");
  job.set_state(state);
  job.set_end_time_ms(end_ms);
  job.mutable_spec()->set_owner("alice");
  job.mutable_spec()->set_queue("research");
  auto* g = job.mutable_spec()->add_task_groups();
  g->add_command("python3");
  (*g->mutable_env())["TOKEN"] = "secret";
  job.add_tasks()->set_state(v1::TASK_STATE_RUNNING);
  job.add_tasks()->set_state(v1::TASK_STATE_STARTING);
  job.add_events()->set_type("SUBMITTED");
  return job;
}

const LabelSelector kAny;

TEST(ListPagesTest, LabelSelectorMatchesTheJobsLabels) {
  v1::Job job = JobIn(v1::JOB_STATE_RUNNING);
  (*job.mutable_spec()->mutable_labels())["team"] = "vision";
  const v1::ListJobsRequest request;
  auto vision = LabelSelector::Parse("team=vision", "label_selector");
  auto not_vision = LabelSelector::Parse("team!=vision", "label_selector");
  auto unlabelled = LabelSelector::Parse("!team", "label_selector");
  ASSERT_TRUE(vision.ok() && not_vision.ok() && unlabelled.ok());
  EXPECT_TRUE(JobSelected(job, request, *vision));
  EXPECT_FALSE(JobSelected(job, request, *not_vision));
  EXPECT_FALSE(JobSelected(job, request, *unlabelled));
  EXPECT_TRUE(JobSelected(JobIn(v1::JOB_STATE_RUNNING), request, *unlabelled));
}

TEST(ListPagesTest, PageSizeDefaultsAndIsCut) {
  EXPECT_EQ(EffectivePageSize(0, kDefaultJobPageSize), kDefaultJobPageSize);
  EXPECT_EQ(EffectivePageSize(7, kDefaultJobPageSize), 7u);
  EXPECT_EQ(EffectivePageSize(1000000, kDefaultJobPageSize), kMaxPageSize);
}

TEST(ListPagesTest, EndedSinceKeepsLiveJobsAndRecentEndsOnly) {
  v1::ListJobsRequest request;
  request.set_ended_since_ms(5000);
  EXPECT_TRUE(JobSelected(JobIn(v1::JOB_STATE_RUNNING), request, kAny));
  EXPECT_TRUE(JobSelected(JobIn(v1::JOB_STATE_FAILED, 6000), request, kAny));
  EXPECT_FALSE(
      JobSelected(JobIn(v1::JOB_STATE_SUCCEEDED, 4000), request, kAny));
}

TEST(ListPagesTest, FiltersByStateOwnerAndQueue) {
  v1::ListJobsRequest request;
  request.add_states(v1::JOB_STATE_PENDING);
  EXPECT_FALSE(JobSelected(JobIn(v1::JOB_STATE_RUNNING), request, kAny));
  request.add_states(v1::JOB_STATE_RUNNING);
  EXPECT_TRUE(JobSelected(JobIn(v1::JOB_STATE_RUNNING), request, kAny));
  request.set_owner("bob");
  EXPECT_FALSE(JobSelected(JobIn(v1::JOB_STATE_RUNNING), request, kAny));
  request.set_owner("alice");
  request.set_queue("prod");
  EXPECT_FALSE(JobSelected(JobIn(v1::JOB_STATE_RUNNING), request, kAny));
}

TEST(ListPagesTest, PageTokensAreJobIds) {
  EXPECT_TRUE(ValidateJobPageToken("").ok());
  EXPECT_TRUE(ValidateJobPageToken("j-000042").ok());
  const absl::Status bad = ValidateJobPageToken("n-1; DROP");
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.message().find("page_token"), std::string::npos);
  EXPECT_FALSE(ValidateJobPageToken("j-").ok());
}

TEST(ListPagesTest, BasicViewLeavesOutTasksCommandsAndEnvironment) {
  v1::Job job = JobIn(v1::JOB_STATE_RUNNING);
  ApplyJobView(v1::LIST_VIEW_BASIC, job);
  EXPECT_TRUE(job.tasks().empty());
  EXPECT_TRUE(job.events().empty());
  EXPECT_TRUE(job.spec().task_groups(0).command().empty());
  EXPECT_TRUE(job.spec().task_groups(0).env().empty());
  EXPECT_EQ(job.spec().owner(), "alice");
}

TEST(ListPagesTest, FullViewKeepsTasks) {
  v1::Job job = JobIn(v1::JOB_STATE_RUNNING);
  ApplyJobView(v1::LIST_VIEW_FULL, job);
  EXPECT_EQ(job.tasks_size(), 2);
  EXPECT_EQ(job.spec().task_groups(0).env().at("TOKEN"), "secret");
}

TEST(ListPagesTest, BasicNodeViewLeavesOutCalibrationDocuments) {
  v1::Node node;
  node.set_calibration_json("{}");
  node.set_previous_calibration_json("{}");
  node.add_task_ids("t");
  node.set_speed_factor(0.9);
  ApplyNodeView(v1::LIST_VIEW_BASIC, node);
  EXPECT_TRUE(node.calibration_json().empty());
  EXPECT_TRUE(node.previous_calibration_json().empty());
  EXPECT_TRUE(node.task_ids().empty());
  EXPECT_DOUBLE_EQ(node.speed_factor(), 0.9);
}

TEST(ListPagesTest, JobIdsSortNumericallyPastAMillion) {
  JobMap jobs;
  jobs["j-1000000"];
  jobs["j-999999"];
  jobs["j-000002"];
  std::vector<std::string> order;
  for (const auto& [id, job] : jobs) order.push_back(id);
  EXPECT_EQ(order,
            (std::vector<std::string>{"j-000002", "j-999999", "j-1000000"}));
}

}  // namespace
}  // namespace hetsched::control
