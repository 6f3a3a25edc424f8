// Job arrays: one job per index with its index in the environment, at most
// "%N" of them queued or running (also after a restart), cancelled as a
// whole, and dependencies on a whole array (afterok) or element to element
// (aftercorr).
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "scheduler/control/control_plane_fixture.h"

namespace hetsched::control {
namespace {

using testing::ControlPlaneTest;
using testing::Gang;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

v1::JobSpec Array(const std::string& indices) {
  v1::JobSpec spec = Gang(1, 1);
  spec.set_array(indices);
  return spec;
}

class ArrayTest : public ControlPlaneTest {
 protected:
  // Every assignment sent so far, by job id, with the node it went to.
  std::map<std::string, std::pair<std::string, v1::TaskAssignment>> Sent() {
    std::map<std::string, std::pair<std::string, v1::TaskAssignment>> sent;
    for (const auto& a : h0_->Assignments()) sent[a.job_id()] = {"h0", a};
    for (const auto& a : h1_->Assignments()) sent[a.job_id()] = {"h1", a};
    return sent;
  }

  void Finish(const std::string& job_id, v1::TaskState end, int code = 0) {
    const auto [node, a] = Sent().at(job_id);
    Report(node, a, v1::TASK_STATE_RUNNING);
    Report(node, a, end, code);
  }

  int Running(const std::string& array_id) {
    int n = 0;
    const v1::ListJobsResponse listed = cp_->ListJobs({}).value();
    for (const auto& job : listed.jobs()) {
      if (job.array_job_id() == array_id &&
          job.state() == v1::JOB_STATE_RUNNING) {
        ++n;
      }
    }
    return n;
  }
};

TEST_F(ArrayTest, EachIndexIsAJobThatKnowsItsIndex) {
  auto id = cp_->SubmitJob(Array("0-2,5"));
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, "j-000001");
  EXPECT_EQ(cp_->Tick(), 4);
  std::vector<std::string> indices;
  for (const auto& [job_id, sent] : Sent()) {
    const auto& env = sent.second.env();
    EXPECT_EQ(env.at("HETSCHED_ARRAY_JOB_ID"), *id);
    EXPECT_EQ(job_id, *id + "_" + env.at("HETSCHED_ARRAY_TASK_ID"));
    indices.push_back(env.at("HETSCHED_ARRAY_TASK_ID"));
  }
  EXPECT_THAT(indices, UnorderedElementsAre("0", "1", "2", "5"));
  v1::Job element = cp_->GetJob("j-000001_5").value();
  EXPECT_EQ(element.array_job_id(), *id);
  EXPECT_EQ(element.array_task_id(), 5u);
  // The next job's id comes after every element.
  auto next = cp_->SubmitJob(Gang(1, 1));
  EXPECT_EQ(*next, "j-000002");
  const v1::ListJobsResponse listed = cp_->ListJobs({}).value();
  ASSERT_EQ(listed.jobs_size(), 5);
  EXPECT_EQ(listed.jobs(0).id(), "j-000002");  // newest first
  EXPECT_EQ(listed.jobs(1).id(), "j-000001_5");
  EXPECT_EQ(listed.jobs(4).id(), "j-000001_0");
}

TEST_F(ArrayTest, TheArraysViewSumsItsElements) {
  auto id = cp_->SubmitJob(Array("0-2"));
  cp_->Tick();
  Finish(*id + "_0", v1::TASK_STATE_SUCCEEDED);
  v1::Job array = cp_->GetJob(*id).value();
  EXPECT_EQ(array.state(), v1::JOB_STATE_RUNNING);
  EXPECT_THAT(array.message(), HasSubstr("job array of 3 elements"));
  EXPECT_THAT(array.message(), HasSubstr("1 SUCCEEDED"));
  Finish(*id + "_1", v1::TASK_STATE_FAILED, 3);
  Finish(*id + "_2", v1::TASK_STATE_SUCCEEDED);
  cp_->Tick();
  array = cp_->GetJob(*id).value();
  EXPECT_EQ(array.state(), v1::JOB_STATE_FAILED);
  EXPECT_EQ(array.exit_code(), 3);
  EXPECT_EQ(cp_->GetJob("j-000001_7").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(ArrayTest, AtMostNElementsAreQueuedOrRunning) {
  auto id = cp_->SubmitJob(Array("0-5%2"));
  ASSERT_TRUE(id.ok()) << id.status();
  // Room for all six; the throttle lets two in.
  EXPECT_EQ(cp_->Tick(), 2);
  EXPECT_EQ(Running(*id), 2);
  EXPECT_THAT(cp_->GetJob(*id + "_2")->pending_reason(),
              HasSubstr("array throttle: 2 elements of j-000001 queued or "
                        "running, at most 2 at once (%2)"));
  Finish(*id + "_0", v1::TASK_STATE_SUCCEEDED);
  EXPECT_EQ(cp_->Tick(), 1);
  EXPECT_EQ(Running(*id), 2);
  EXPECT_EQ(StateOf(*id + "_2"), v1::JOB_STATE_RUNNING);  // in index order
  Finish(*id + "_1", v1::TASK_STATE_FAILED, 1);  // a failure frees a slot too
  Finish(*id + "_2", v1::TASK_STATE_SUCCEEDED);
  EXPECT_EQ(cp_->Tick(), 2);
  EXPECT_EQ(StateOf(*id + "_3"), v1::JOB_STATE_RUNNING);
  EXPECT_EQ(StateOf(*id + "_4"), v1::JOB_STATE_RUNNING);
  EXPECT_EQ(StateOf(*id + "_5"), v1::JOB_STATE_PENDING);
}

TEST_F(ArrayTest, AHeldElementGivesUpItsPlaceInLine) {
  auto id = cp_->SubmitJob(Array("0-3%2"));
  ASSERT_TRUE(cp_->HoldJob(*id + "_0", {.by = "ml"}).ok());
  EXPECT_EQ(cp_->Tick(), 2);
  EXPECT_EQ(StateOf(*id + "_1"), v1::JOB_STATE_RUNNING);
  EXPECT_EQ(StateOf(*id + "_2"), v1::JOB_STATE_RUNNING);
  // Released, it waits for a place like the rest.
  ASSERT_TRUE(cp_->ReleaseJob(*id + "_0", "ml").ok());
  EXPECT_EQ(cp_->Tick(), 0);
  EXPECT_THAT(cp_->GetJob(*id + "_0")->pending_reason(),
              HasSubstr("array throttle"));
  Finish(*id + "_1", v1::TASK_STATE_SUCCEEDED);
  EXPECT_EQ(cp_->Tick(), 1);
  EXPECT_EQ(StateOf(*id + "_0"), v1::JOB_STATE_RUNNING);
  EXPECT_EQ(StateOf(*id + "_3"), v1::JOB_STATE_PENDING);
}

TEST_F(ArrayTest, TheThrottleHoldsAcrossARestart) {
  auto id = cp_->SubmitJob(Array("0-3%1"));
  Open();
  ASSERT_TRUE(cp_->Recover().ok());
  ASSERT_TRUE(
      cp_->RegisterAgent(testing::Host("h0", "nvidia/h100", 8), h0_).ok());
  EXPECT_EQ(cp_->Tick(), 1);
  EXPECT_EQ(StateOf(*id + "_0"), v1::JOB_STATE_RUNNING);
  EXPECT_EQ(StateOf(*id + "_1"), v1::JOB_STATE_PENDING);
}

TEST_F(ArrayTest, CancellingTheArrayCancelsEveryElement) {
  auto id = cp_->SubmitJob(Array("0-3%2"));
  cp_->Tick();
  auto cancelled = cp_->CancelJob(*id, "wrong data");
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_EQ(cancelled->id(), *id);
  for (const char* i : {"_2", "_3"}) {  // never started: ended at once
    v1::Job element = cp_->GetJob(*id + i).value();
    EXPECT_EQ(element.state(), v1::JOB_STATE_CANCELLED);
    EXPECT_EQ(element.message(), "wrong data");
  }
  EXPECT_EQ(h0_->Kills().size() + h1_->Kills().size(), 2u);  // the running
  for (const char* i : {"_0", "_1"}) {
    Finish(*id + i, v1::TASK_STATE_CANCELLED);
  }
  cp_->Tick();
  EXPECT_EQ(StateOf(*id), v1::JOB_STATE_CANCELLED);
  EXPECT_EQ(cp_->CancelJob(*id, "").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(cp_->Tick(), 0);  // nothing revived
}

TEST_F(ArrayTest, AftercorrPairsElementsByIndex) {
  auto first = cp_->SubmitJob(Array("0-1"));
  v1::JobSpec then = Array("0-1");
  then.add_depends_on_corr(*first);
  auto second = cp_->SubmitJob(then);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(cp_->Tick(), 2);  // only the first array's
  EXPECT_EQ(cp_->GetJob(*second + "_0")->pending_reason(),
            "waiting for j-000001_0 (RUNNING)");
  Finish(*first + "_0", v1::TASK_STATE_SUCCEEDED);
  Finish(*first + "_1", v1::TASK_STATE_FAILED, 2);
  EXPECT_EQ(cp_->Tick(), 1);
  EXPECT_EQ(StateOf(*second + "_0"), v1::JOB_STATE_RUNNING);
  v1::Job orphan = cp_->GetJob(*second + "_1").value();
  EXPECT_EQ(orphan.state(), v1::JOB_STATE_CANCELLED);
  EXPECT_EQ(orphan.message(), "dependency j-000001_1 ended FAILED");
}

TEST_F(ArrayTest, AftercorrOnAMissingIndexIsRefusedWhole) {
  auto first = cp_->SubmitJob(Array("0-1"));
  v1::JobSpec wider = Array("0-2");
  wider.add_depends_on_corr(*first);
  auto refused = cp_->SubmitJob(wider);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(refused.status().message(),
            "depends_on_corr[0]: no job j-000001_2, so element 2 could never "
            "start");
  EXPECT_EQ(cp_->ListJobs({})->jobs_size(), 2);  // the first array only
  EXPECT_EQ(*cp_->SubmitJob(Gang(1, 1)), "j-000002");
}

TEST_F(ArrayTest, AfterokOnAnArrayWaitsForEveryElement) {
  auto array = cp_->SubmitJob(Array("0-1"));
  v1::JobSpec after = Gang(1, 1);
  after.add_depends_on(*array);
  auto then = cp_->SubmitJob(after);
  ASSERT_TRUE(then.ok()) << then.status();
  cp_->Tick();
  Finish(*array + "_0", v1::TASK_STATE_SUCCEEDED);
  EXPECT_EQ(cp_->Tick(), 0);
  EXPECT_EQ(cp_->GetJob(*then)->pending_reason(),
            "waiting for j-000001 (RUNNING)");
  Finish(*array + "_1", v1::TASK_STATE_SUCCEEDED);
  EXPECT_EQ(cp_->Tick(), 1);
  EXPECT_EQ(StateOf(*then), v1::JOB_STATE_RUNNING);
}

TEST_F(ArrayTest, AnArrayCountsEveryElementAgainstThePendingLimit) {
  ControlPlaneOptions options;
  options.max_pending_per_owner = 3;
  cp_.reset();
  store_.reset();
  store_ = std::move(store::StateStore::OpenSqlite(dir_).value());
  cp_ = std::move(ControlPlane::Create(options, store_.get(), &clock_).value());
  auto refused = cp_->SubmitJob(Array("0-3"));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("already has 0 pending jobs and this array adds 4"));
  EXPECT_TRUE(cp_->SubmitJob(Array("0-2")).ok());
}

}  // namespace
}  // namespace hetsched::control
