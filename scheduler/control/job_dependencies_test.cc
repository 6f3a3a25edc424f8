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
  DependencyCheck Check(const std::vector<std::string>& ids) {
    v1::JobSpec spec;
    for (const auto& id : ids) spec.add_depends_on(id);
    return CheckDependencies(spec, [this](const std::string& id) {
      auto it = jobs_.find(id);
      return it == jobs_.end() ? nullptr : &it->second;
    });
  }

  std::map<std::string, v1::Job> jobs_;
};

TEST_F(JobDependenciesTest, NoDependenciesAreMet) {
  EXPECT_EQ(Check({}).state, DependencyState::kMet);
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
  EXPECT_EQ(failed.broken_index, 1);
  EXPECT_EQ(Check({"j-000003"}).reason, "dependency j-000003 ended CANCELLED");
  DependencyCheck missing = Check({"j-000001", "j-000009"});
  EXPECT_EQ(missing.state, DependencyState::kBroken);
  EXPECT_EQ(missing.reason, "no job j-000009");
  EXPECT_EQ(missing.broken_index, 1);
}

}  // namespace
}  // namespace hetsched::control
