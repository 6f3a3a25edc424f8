// The simulated launcher behind the real TaskManager, as a simulated host
// uses it: the reports and kills are the manager's own code.
#include "agent/simulated_launcher.h"

#include <algorithm>
#include <filesystem>
#include <mutex>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/task_manager.h"
#include "agent/test_util.h"

namespace hetsched::agent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::PollUntil;
using testing::ReadFile;

class SimulatedLauncherTest : public ::testing::Test {
 protected:
  SimulatedLauncherTest() {
    TaskManager::Options options;
    options.work_dir = dir_.path();
    options.node_kind = "nvidia/h100";
    options.accelerator_count = 8;
    options.clock = &clock_;
    options.own_timer = false;
    options.launcher = [this](TaskLauncher::ExitCallback cb) {
      return std::make_unique<SimulatedLauncher>(&timer_, std::move(cb));
    };
    manager_ =
        std::make_unique<TaskManager>(options, [this](const v1::TaskStatus& s) {
          std::lock_guard<std::mutex> lock(mu_);
          statuses_.push_back(s);
        });
  }
  ~SimulatedLauncherTest() override {
    manager_.reset();  // before the timer its launcher uses
  }

  v1::TaskAssignment Assignment(const std::string& id,
                                const std::map<std::string, std::string>& env) {
    v1::TaskAssignment a;
    a.set_task_id(id);
    a.set_job_id("job-1");
    a.add_command("train.py");
    a.add_device_indices(0);
    for (const auto& [k, v] : env) (*a.mutable_env())[k] = v;
    return a;
  }

  std::vector<v1::TaskState> States(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<v1::TaskState> states;
    for (const auto& s : statuses_) {
      if (s.task_id() == id) states.push_back(s.state());
    }
    return states;
  }

  // The terminal status of `id`, once reported.
  v1::TaskStatus WaitEnd(const std::string& id) {
    v1::TaskStatus last;
    EXPECT_TRUE(PollUntil([&] {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = std::find_if(
          statuses_.begin(), statuses_.end(), [&](const v1::TaskStatus& s) {
            return s.task_id() == id && IsTerminal(s.state());
          });
      if (it == statuses_.end()) return false;
      last = *it;
      return true;
    }));
    return last;
  }

  std::string TaskFile(const std::string& id, const std::string& name) {
    return dir_.path() + "/tasks/" + id + "/" + name;
  }

  testing::ScratchDir dir_;
  FakeClock clock_{absl::FromUnixSeconds(1'700'000'000)};
  SimTimer timer_;
  std::mutex mu_;
  std::vector<v1::TaskStatus> statuses_;
  std::unique_ptr<TaskManager> manager_;
};

TEST_F(SimulatedLauncherTest, DefaultTaskSucceedsAtOnceWithOneLogLine) {
  manager_->Assign(Assignment("t1", {}));
  v1::TaskStatus end = WaitEnd("t1");
  EXPECT_EQ(end.state(), v1::TASK_STATE_SUCCEEDED);
  EXPECT_EQ(end.exit_code(), 0);
  EXPECT_THAT(States("t1"),
              ElementsAre(v1::TASK_STATE_STARTING, v1::TASK_STATE_RUNNING,
                          v1::TASK_STATE_SUCCEEDED));
  const std::string log = ReadFile(TaskFile("t1", "stdout"));
  EXPECT_THAT(log, HasSubstr("simulated task t1"));
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 1);
  EXPECT_EQ(ReadFile(TaskFile("t1", "stderr")), "");
  EXPECT_FALSE(std::filesystem::exists(TaskFile("t1", "pgid")));
}

TEST_F(SimulatedLauncherTest, ExitCodeFromTheEnvironmentFailsTheTask) {
  manager_->Assign(Assignment("t1", {{"HETSCHED_SIM_EXIT_CODE", "3"}}));
  v1::TaskStatus end = WaitEnd("t1");
  EXPECT_EQ(end.state(), v1::TASK_STATE_FAILED);
  EXPECT_EQ(end.exit_code(), 3);
  EXPECT_THAT(end.message(), HasSubstr("exited with code 3"));
}

TEST_F(SimulatedLauncherTest, RunsForItsRuntimeThenSucceeds) {
  manager_->Assign(Assignment("t1", {{"HETSCHED_SIM_RUNTIME_S", "0.2"}}));
  EXPECT_THAT(States("t1"),
              ElementsAre(v1::TASK_STATE_STARTING, v1::TASK_STATE_RUNNING));
  EXPECT_TRUE(manager_->Active("t1"));
  EXPECT_EQ(WaitEnd("t1").state(), v1::TASK_STATE_SUCCEEDED);
  EXPECT_FALSE(manager_->Active("t1"));
}

TEST_F(SimulatedLauncherTest, KillEndsALongTaskWithTheKillsState) {
  manager_->Assign(Assignment("t1", {{"HETSCHED_SIM_RUNTIME_S", "3600"}}));
  v1::KillTask kill;
  kill.set_task_id("t1");
  kill.set_reason("cancelled by user");
  manager_->Kill(kill);
  v1::TaskStatus end = WaitEnd("t1");
  EXPECT_EQ(end.state(), v1::TASK_STATE_CANCELLED);
  EXPECT_EQ(end.message(), "cancelled by user");

  manager_->Assign(Assignment("t2", {{"HETSCHED_SIM_RUNTIME_S", "3600"}}));
  kill.set_task_id("t2");
  kill.set_final_state(v1::TASK_STATE_PREEMPTED);
  manager_->Kill(kill);
  EXPECT_EQ(WaitEnd("t2").state(), v1::TASK_STATE_PREEMPTED);
}

TEST_F(SimulatedLauncherTest, MaxRuntimeStopsTheTaskOnTick) {
  v1::TaskAssignment a = Assignment("t1", {{"HETSCHED_SIM_RUNTIME_S", "3600"}});
  a.set_max_runtime_s(10);
  manager_->Assign(a);
  manager_->Tick();
  EXPECT_TRUE(manager_->Active("t1"));
  clock_.Advance(absl::Seconds(11));
  manager_->Tick();
  v1::TaskStatus end = WaitEnd("t1");
  EXPECT_EQ(end.state(), v1::TASK_STATE_FAILED);
  EXPECT_EQ(end.message(), "exceeded max_runtime_s");
}

TEST_F(SimulatedLauncherTest, BadSimulationVariablesFailTheTaskByName) {
  manager_->Assign(Assignment("t1", {{"HETSCHED_SIM_RUNTIME_S", "soon"}}));
  v1::TaskStatus end = WaitEnd("t1");
  EXPECT_EQ(end.state(), v1::TASK_STATE_FAILED);
  EXPECT_THAT(end.message(), HasSubstr("HETSCHED_SIM_RUNTIME_S"));
  manager_->Assign(Assignment("t2", {{"HETSCHED_SIM_EXIT_CODE", "300"}}));
  EXPECT_THAT(WaitEnd("t2").message(), HasSubstr("HETSCHED_SIM_EXIT_CODE"));
}

TEST_F(SimulatedLauncherTest, StopAllEndsEveryTask) {
  manager_->Assign(Assignment("t1", {{"HETSCHED_SIM_RUNTIME_S", "3600"}}));
  manager_->Assign(Assignment("t2", {{"HETSCHED_SIM_RUNTIME_S", "3600"}}));
  EXPECT_TRUE(manager_->StopAll(absl::Seconds(1), v1::TASK_STATE_PREEMPTED,
                                "agent shutting down", absl::Seconds(5)));
  EXPECT_EQ(WaitEnd("t1").state(), v1::TASK_STATE_PREEMPTED);
  EXPECT_EQ(WaitEnd("t2").state(), v1::TASK_STATE_PREEMPTED);
}

}  // namespace
}  // namespace hetsched::agent
