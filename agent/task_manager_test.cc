#include "agent/task_manager.h"

#include <algorithm>
#include <filesystem>
#include <mutex>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "agent/test_util.h"

namespace hetsched::agent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::PollUntil;
using testing::ReadFile;

class TaskManagerTest : public ::testing::Test {
 protected:
  void Make(const std::string& kind, uint32_t count) {
    TaskManager::Options options;
    options.work_dir = dir_.path();
    options.node_kind = kind;
    options.accelerator_count = count;
    options.clock = &clock_;
    options.default_grace = absl::Milliseconds(200);
    manager_ =
        std::make_unique<TaskManager>(options, [this](const v1::TaskStatus& s) {
          std::lock_guard<std::mutex> lock(mu_);
          statuses_.push_back(s);
        });
  }

  v1::TaskAssignment Assignment(const std::string& id,
                                const std::vector<std::string>& command) {
    v1::TaskAssignment a;
    a.set_task_id(id);
    a.set_job_id("job-1");
    for (auto& c : command) a.add_command(c);
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

  // The last status once the task has ended.
  v1::TaskStatus WaitEnd(const std::string& id) {
    v1::TaskStatus last;
    EXPECT_TRUE(PollUntil([&] {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = std::find_if(
          statuses_.begin(), statuses_.end(), [&](const v1::TaskStatus& s) {
            return s.task_id() == id && s.state() >= v1::TASK_STATE_SUCCEEDED;
          });
      if (it == statuses_.end()) return false;
      last = *it;
      return true;
    }));
    return last;
  }

  std::string Stdout(const std::string& id) {
    return ReadFile(dir_.path() + "/tasks/" + id + "/stdout");
  }

  testing::ScratchDir dir_;
  FakeClock clock_{absl::FromUnixSeconds(1'700'000'000)};
  std::mutex mu_;
  std::vector<v1::TaskStatus> statuses_;
  std::unique_ptr<TaskManager> manager_;
};

TEST_F(TaskManagerTest, RunsWithAssignmentEnvAndCudaDevices) {
  Make("nvidia/h100", 8);
  auto a = Assignment(
      "t1", {"sh", "-c", "echo $RANK $WORLD_SIZE $CUDA_VISIBLE_DEVICES"});
  (*a.mutable_env())["RANK"] = "1";
  (*a.mutable_env())["WORLD_SIZE"] = "2";
  // A job cannot widen its devices through its own env.
  (*a.mutable_env())["CUDA_VISIBLE_DEVICES"] = "0,1,2,3,4,5,6,7";
  a.add_device_indices(2);
  a.add_device_indices(3);
  manager_->Assign(a);
  const v1::TaskStatus end = WaitEnd("t1");
  EXPECT_EQ(end.state(), v1::TASK_STATE_SUCCEEDED);
  EXPECT_EQ(end.job_id(), "job-1");
  EXPECT_THAT(States("t1"),
              ElementsAre(v1::TASK_STATE_STARTING, v1::TASK_STATE_RUNNING,
                          v1::TASK_STATE_SUCCEEDED));
  EXPECT_EQ(Stdout("t1"), "1 2 2,3\n");
}

TEST_F(TaskManagerTest, NeuronTaskSeesItsCoresAndNoCudaVariable) {
  Make("aws/trainium2", 16);
  auto a = Assignment(
      "n1", {"sh", "-c",
             "echo $NEURON_RT_VISIBLE_CORES ${CUDA_VISIBLE_DEVICES-unset}"});
  a.set_accelerator_kind("aws/trainium2");
  for (uint32_t i : {4, 5, 6, 7}) a.add_device_indices(i);
  manager_->Assign(a);
  EXPECT_EQ(WaitEnd("n1").state(), v1::TASK_STATE_SUCCEEDED);
  EXPECT_EQ(Stdout("n1"), "32-63 unset\n");
}

TEST_F(TaskManagerTest, NonZeroExitIsFailedWithTheCode) {
  Make("", 0);
  manager_->Assign(Assignment("t3", {"sh", "-c", "exit 3"}));
  const v1::TaskStatus end = WaitEnd("t3");
  EXPECT_EQ(end.state(), v1::TASK_STATE_FAILED);
  EXPECT_EQ(end.exit_code(), 3);
  EXPECT_THAT(end.message(), HasSubstr("exited with code 3"));
}

TEST_F(TaskManagerTest, MissingBinaryFailsWithExitCode127) {
  Make("", 0);
  manager_->Assign(Assignment("nx", {"hetsched-no-such-binary-xyz"}));
  const v1::TaskStatus end = WaitEnd("nx");
  EXPECT_EQ(end.state(), v1::TASK_STATE_FAILED);
  EXPECT_EQ(end.exit_code(), 127);
  EXPECT_THAT(end.message(), HasSubstr("No such file or directory"));
  EXPECT_THAT(States("nx"),
              ElementsAre(v1::TASK_STATE_STARTING, v1::TASK_STATE_FAILED));
}

TEST_F(TaskManagerTest, KillReportsTheRequestedFinalState) {
  Make("", 0);
  manager_->Assign(Assignment("k1", {"sleep", "60"}));
  ASSERT_TRUE(PollUntil([&] { return manager_->Active("k1"); }));
  EXPECT_THAT(manager_->Running(), ::testing::SizeIs(1));
  v1::KillTask kill;
  kill.set_task_id("k1");
  kill.set_final_state(v1::TASK_STATE_PREEMPTED);
  kill.set_reason("preempted by job-2");
  manager_->Kill(kill);
  const v1::TaskStatus end = WaitEnd("k1");
  EXPECT_EQ(end.state(), v1::TASK_STATE_PREEMPTED);
  EXPECT_EQ(end.signal(), SIGTERM);
  EXPECT_EQ(end.message(), "preempted by job-2");
  EXPECT_FALSE(manager_->Active("k1"));
  EXPECT_TRUE(manager_->Running().empty());
}

TEST_F(TaskManagerTest, MaxRuntimeStopsTheTaskAsFailed) {
  Make("", 0);
  auto a = Assignment("slow", {"sleep", "60"});
  a.set_max_runtime_s(5);
  manager_->Assign(a);
  ASSERT_TRUE(PollUntil([&] { return manager_->Active("slow"); }));
  clock_.Advance(absl::Seconds(4));
  manager_->Tick();
  EXPECT_TRUE(manager_->Active("slow"));
  clock_.Advance(absl::Seconds(2));
  manager_->Tick();
  const v1::TaskStatus end = WaitEnd("slow");
  EXPECT_EQ(end.state(), v1::TASK_STATE_FAILED);
  EXPECT_EQ(end.message(), "exceeded max_runtime_s");
}

TEST_F(TaskManagerTest, DeviceIndexNotOnTheNodeFails) {
  Make("nvidia/a100", 8);
  auto a = Assignment("d1", {"true"});
  a.add_device_indices(8);
  manager_->Assign(a);
  const v1::TaskStatus end = WaitEnd("d1");
  EXPECT_EQ(end.state(), v1::TASK_STATE_FAILED);
  EXPECT_THAT(end.message(), HasSubstr("device_indices"));
}

TEST_F(TaskManagerTest, PathTraversalTaskIdIsRefused) {
  Make("", 0);
  manager_->Assign(Assignment("../escape", {"true"}));
  const v1::TaskStatus end = WaitEnd("../escape");
  EXPECT_EQ(end.state(), v1::TASK_STATE_FAILED);
  EXPECT_THAT(end.message(), HasSubstr("task_id"));
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/escape"));
}

TEST_F(TaskManagerTest, RepeatedAssignmentIsNotStartedTwice) {
  Make("", 0);
  manager_->Assign(Assignment("once", {"sh", "-c", "echo x >> ../count"}));
  WaitEnd("once");
  manager_->Assign(Assignment("once", {"sh", "-c", "echo x >> ../count"}));
  EXPECT_EQ(ReadFile(dir_.path() + "/tasks/count"), "x\n");
  EXPECT_EQ(States("once").back(), v1::TASK_STATE_SUCCEEDED);
}

TEST_F(TaskManagerTest, StopAllEndsEveryTask) {
  Make("", 0);
  manager_->Assign(Assignment("a", {"sleep", "60"}));
  manager_->Assign(Assignment("b", {"sleep", "60"}));
  EXPECT_TRUE(manager_->StopAll(absl::Seconds(5), v1::TASK_STATE_PREEMPTED,
                                "agent shutting down", absl::Seconds(5)));
  EXPECT_EQ(WaitEnd("a").state(), v1::TASK_STATE_PREEMPTED);
  EXPECT_EQ(WaitEnd("b").message(), "agent shutting down");
}

// A task that records, in its job directory, each signal it gets and what
// the stop reason file said at SIGTERM; "ready" in its cwd once trapping.
const char kTrappingTask[] =
    "trap 'echo usr1 >> $HETSCHED_JOB_DIR/signals' USR1; "
    "trap 'cat $HETSCHED_STOP_REASON_FILE > $HETSCHED_JOB_DIR/reason; exit 0' "
    "TERM; echo ready > ready; while :; do sleep 0.05; done";

TEST_F(TaskManagerTest, TaskSeesItsKindCountAndJobDirectory) {
  Make("nvidia/h100", 8);
  auto a = Assignment("e1", {"sh", "-c",
                             "echo $HETSCHED_ACCELERATOR_KIND "
                             "$HETSCHED_ACCELERATORS $HETSCHED_JOB_DIR "
                             "$HETSCHED_STOP_REASON_FILE"});
  a.add_device_indices(0);
  a.add_device_indices(1);
  manager_->Assign(a);
  EXPECT_EQ(WaitEnd("e1").state(), v1::TASK_STATE_SUCCEEDED);
  EXPECT_EQ(Stdout("e1"),
            absl::StrCat("nvidia/h100 2 ", dir_.path(), "/jobs/job-1 ",
                         dir_.path(), "/tasks/e1/stop_reason\n"));
}

TEST_F(TaskManagerTest, JobDirectoryOutlivesTheTaskForTheNextAttempt) {
  Make("", 0);
  manager_->Assign(
      Assignment("a0", {"sh", "-c", "echo 41 > $HETSCHED_JOB_DIR/ckpt"}));
  EXPECT_EQ(WaitEnd("a0").state(), v1::TASK_STATE_SUCCEEDED);
  manager_->Assign(Assignment(
      "a1", {"sh", "-c", "echo $(($(cat $HETSCHED_JOB_DIR/ckpt)+1))"}));
  EXPECT_EQ(WaitEnd("a1").state(), v1::TASK_STATE_SUCCEEDED);
  EXPECT_EQ(Stdout("a1"), "42\n");
}

TEST_F(TaskManagerTest, PreemptedTaskReadsTheReasonBeforeSigterm) {
  Make("", 0);
  auto a = Assignment("p1", {"sh", "-c", kTrappingTask});
  a.set_termination_grace_s(30);
  manager_->Assign(a);
  ASSERT_TRUE(PollUntil(
      [&] { return !ReadFile(dir_.path() + "/tasks/p1/ready").empty(); }));
  v1::KillTask kill;
  kill.set_task_id("p1");
  kill.set_final_state(v1::TASK_STATE_PREEMPTED);
  kill.set_reason("preempted by job-2");
  manager_->Kill(kill);
  const v1::TaskStatus end = WaitEnd("p1");
  EXPECT_EQ(end.state(), v1::TASK_STATE_PREEMPTED);
  EXPECT_EQ(end.exit_code(), 0);  // its handler ran and exited
  EXPECT_EQ(ReadFile(dir_.path() + "/jobs/job-1/reason"), "preempted\n");
}

TEST_F(TaskManagerTest, CancelledTaskReadsCancelled) {
  Make("", 0);
  manager_->Assign(Assignment("c1", {"sh", "-c", kTrappingTask}));
  ASSERT_TRUE(PollUntil(
      [&] { return !ReadFile(dir_.path() + "/tasks/c1/ready").empty(); }));
  v1::KillTask kill;
  kill.set_task_id("c1");
  kill.set_final_state(v1::TASK_STATE_CANCELLED);
  manager_->Kill(kill);
  EXPECT_EQ(WaitEnd("c1").state(), v1::TASK_STATE_CANCELLED);
  EXPECT_EQ(ReadFile(dir_.path() + "/jobs/job-1/reason"), "cancelled\n");
}

TEST_F(TaskManagerTest, ASignalReachesTheTaskWhichKeepsRunning) {
  Make("", 0);
  manager_->Assign(Assignment("s1", {"sh", "-c", kTrappingTask}));
  ASSERT_TRUE(PollUntil(
      [&] { return !ReadFile(dir_.path() + "/tasks/s1/ready").empty(); }));
  v1::SignalTask order;
  order.set_task_id("s1");
  order.set_signal("USR1");
  ASSERT_TRUE(manager_->Signal(order).ok());
  ASSERT_TRUE(PollUntil([&] {
    return ReadFile(dir_.path() + "/jobs/job-1/signals") == "usr1\n";
  }));
  EXPECT_EQ(manager_->Running().size(), 1u);
  order.set_signal("KILL");
  EXPECT_EQ(manager_->Signal(order).code(), absl::StatusCode::kInvalidArgument);
  order.set_signal("USR1");
  order.set_task_id("nobody");
  EXPECT_EQ(manager_->Signal(order).code(), absl::StatusCode::kNotFound);
  v1::KillTask kill;
  kill.set_task_id("s1");
  manager_->Kill(kill);
  EXPECT_EQ(WaitEnd("s1").state(), v1::TASK_STATE_CANCELLED);
}

TEST_F(TaskManagerTest, Sigusr1ComesSignalBeforeTimeoutThenTimeoutStops) {
  Make("", 0);
  auto a = Assignment("w1", {"sh", "-c", kTrappingTask});
  a.set_max_runtime_s(10);
  a.set_signal_before_timeout_s(3);
  manager_->Assign(a);
  ASSERT_TRUE(PollUntil(
      [&] { return !ReadFile(dir_.path() + "/tasks/w1/ready").empty(); }));
  clock_.Advance(absl::Seconds(6));
  manager_->Tick();
  EXPECT_EQ(ReadFile(dir_.path() + "/jobs/job-1/signals"), "");
  clock_.Advance(absl::Seconds(1));
  manager_->Tick();
  ASSERT_TRUE(PollUntil([&] {
    return ReadFile(dir_.path() + "/jobs/job-1/signals") == "usr1\n";
  }));
  manager_->Tick();  // once only
  clock_.Advance(absl::Seconds(3));
  manager_->Tick();
  const v1::TaskStatus end = WaitEnd("w1");
  EXPECT_EQ(end.state(), v1::TASK_STATE_FAILED);
  EXPECT_EQ(end.message(), "exceeded max_runtime_s");
  EXPECT_EQ(ReadFile(dir_.path() + "/jobs/job-1/reason"), "timeout\n");
  EXPECT_EQ(ReadFile(dir_.path() + "/jobs/job-1/signals"), "usr1\n");
}

}  // namespace
}  // namespace hetsched::agent
