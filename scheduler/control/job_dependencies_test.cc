#include "scheduler/control/job_dependencies.h"

#include <map>

#include "gtest/gtest.h"

namespace hetsched::control {
namespace {

class JobDependenciesTest : public ::testing::Test {
 protected:
  void AddJob(const std::string& id, v1::JobState state) {
    jobs_[id].set_id(id);
    jobs_[id].set_state(state);
  }
  DependencyCheck Check(const v1::JobSpec& spec) {
    v1::Job job;
    job.set_id("j-000100");
    *job.mutable_spec() = spec;
    return CheckDependencies(
        job,
        [this](const std::string& id) {
          auto it = jobs_.find(id);
          return it == jobs_.end() ? nullptr : &it->second;
        },
        [this](const v1::Job&) { return namesake_; });
  }
  DependencyCheck Check(const std::vector<std::string>& ids) {
    v1::JobSpec spec;
    for (const auto& id : ids) spec.add_depends_on(id);
    return Check(spec);
  }

  std::map<std::string, v1::Job> jobs_;
  const v1::Job* namesake_ = nullptr;
};

TEST_F(JobDependenciesTest, NoDependenciesAreMet) {
  EXPECT_EQ(Check(std::vector<std::string>{}).state, DependencyState::kMet);
  EXPECT_FALSE(HasDependencies(v1::JobSpec()));
}

TEST_F(JobDependenciesTest, MetOnlyWhenEverySucceeded) {
  AddJob("j-000001", v1::JOB_STATE_SUCCEEDED);
  AddJob("j-000002", v1::JOB_STATE_RUNNING);
  AddJob("j-000003", v1::JOB_STATE_PENDING);
  EXPECT_EQ(Check({"j-000001"}).state, DependencyState::kMet);
  DependencyCheck waiting = Check({"j-000001", "j-000002", "j-000003"});
  EXPECT_EQ(waiting.state, DependencyState::kWaiting);
  EXPECT_EQ(waiting.reason,
            "waiting for j-000002 (RUNNING), j-000003 (PENDING)");
}

TEST_F(JobDependenciesTest, FailedCancelledOrMissingBreaksWithTheEntry) {
  AddJob("j-000001", v1::JOB_STATE_RUNNING);
  AddJob("j-000002", v1::JOB_STATE_FAILED);
  AddJob("j-000003", v1::JOB_STATE_CANCELLED);
  DependencyCheck failed = Check({"j-000001", "j-000002"});
  EXPECT_EQ(failed.state, DependencyState::kBroken);
  EXPECT_EQ(failed.reason, "dependency j-000002 ended FAILED");
  EXPECT_EQ(failed.field, "depends_on[1]");
  EXPECT_EQ(Check({"j-000003"}).reason, "dependency j-000003 ended CANCELLED");
  DependencyCheck missing = Check({"j-000001", "j-000009"});
  EXPECT_EQ(missing.state, DependencyState::kBroken);
  EXPECT_EQ(missing.reason, "no job j-000009");
  EXPECT_EQ(missing.field, "depends_on[1]");
}

TEST_F(JobDependenciesTest, AfterAnyIsMetByEveryEnd) {
  AddJob("j-000001", v1::JOB_STATE_FAILED);
  AddJob("j-000002", v1::JOB_STATE_CANCELLED);
  AddJob("j-000003", v1::JOB_STATE_SUCCEEDED);
  AddJob("j-000004", v1::JOB_STATE_RUNNING);
  v1::JobSpec spec;
  for (const char* id : {"j-000001", "j-000002", "j-000003"}) {
    spec.add_depends_on_any(id);
  }
  EXPECT_TRUE(HasDependencies(spec));
  EXPECT_EQ(Check(spec).state, DependencyState::kMet);
  spec.add_depends_on_any("j-000004");
  EXPECT_EQ(Check(spec).reason, "waiting for j-000004 (RUNNING)");
  spec.add_depends_on_any("j-000009");
  DependencyCheck missing = Check(spec);
  EXPECT_EQ(missing.state, DependencyState::kBroken);
  EXPECT_EQ(missing.field, "depends_on_any[4]");
}

TEST_F(JobDependenciesTest, AfterNotOkWaitsForAFailureAndBreaksOnSuccess) {
  AddJob("j-000001", v1::JOB_STATE_FAILED);
  AddJob("j-000002", v1::JOB_STATE_CANCELLED);
  AddJob("j-000003", v1::JOB_STATE_SUCCEEDED);
  AddJob("j-000004", v1::JOB_STATE_RUNNING);
  v1::JobSpec spec;
  spec.add_depends_on_not_ok("j-000001");
  spec.add_depends_on_not_ok("j-000002");
  EXPECT_EQ(Check(spec).state, DependencyState::kMet);
  spec.add_depends_on_not_ok("j-000004");
  EXPECT_EQ(Check(spec).state, DependencyState::kWaiting);
  spec.add_depends_on_not_ok("j-000003");
  DependencyCheck succeeded = Check(spec);
  EXPECT_EQ(succeeded.state, DependencyState::kBroken);
  EXPECT_EQ(succeeded.reason, "dependency j-000003 ended SUCCEEDED");
  EXPECT_EQ(succeeded.field, "depends_on_not_ok[3]");
}

TEST_F(JobDependenciesTest, SingletonWaitsForALiveNamesakeOnly) {
  v1::JobSpec spec;
  spec.set_singleton(true);
  EXPECT_TRUE(HasDependencies(spec));
  EXPECT_EQ(Check(spec).state, DependencyState::kMet);
  AddJob("j-000007", v1::JOB_STATE_RUNNING);
  namesake_ = &jobs_["j-000007"];
  DependencyCheck waiting = Check(spec);
  EXPECT_EQ(waiting.state, DependencyState::kWaiting);
  EXPECT_EQ(waiting.reason,
            "waiting for j-000007 (RUNNING, same name and owner: singleton)");
  spec.set_singleton(false);  // the namesake matters only to a singleton
  EXPECT_EQ(Check(spec).state, DependencyState::kMet);
}

}  // namespace
}  // namespace hetsched::control
