// TaskManager with a job's workdir and setup step (workdir_preparer.h):
// the replica starts in a copy of the prepared tree, stays STARTING while
// it is prepared, and a kill or a failure meanwhile ends it properly.
#include <condition_variable>
#include <filesystem>
#include <mutex>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/task_manager.h"
#include "agent/test_util.h"
#include "common/sha256.h"
#include "common/workdir_archive.h"

namespace hetsched::agent {
namespace {

using ::testing::HasSubstr;
using testing::PollUntil;
using testing::ReadFile;
using testing::WriteFile;

class TaskManagerWorkdirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string code = code_.path() + "/code";
    std::filesystem::create_directories(code);
    WriteFile(code + "/run.sh", "cat made-by-setup\n");
    auto packed = PackWorkdir(code, kDefaultWorkdirMaxBytes);
    ASSERT_TRUE(packed.ok()) << packed.status();
    archive_ = *packed;
  }

  void Make() {
    TaskManager::Options options;
    options.work_dir = dir_.path();
    options.fetch_workdir = [this](const std::string& sha,
                                   const std::string& path) -> absl::Status {
      std::unique_lock<std::mutex> lock(mu_);
      fetch_started_ = true;
      released_cv_.wait(lock, [&] { return released_; });
      if (sha != Sha256Hex(archive_)) {
        return absl::NotFoundError("no such archive");
      }
      WriteFile(path, archive_);
      return absl::OkStatus();
    };
    manager_ =
        std::make_unique<TaskManager>(options, [this](const v1::TaskStatus& s) {
          std::lock_guard<std::mutex> lock(mu_);
          statuses_.push_back(s);
        });
  }

  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    released_cv_.notify_all();
  }

  v1::TaskAssignment Assignment(const std::string& id, const std::string& sha) {
    v1::TaskAssignment a;
    a.set_task_id(id);
    a.set_job_id("job-1");
    a.add_command("sh");
    a.add_command("run.sh");
    a.set_workdir_sha256(sha);
    for (const char* arg : {"sh", "-c", "echo ready > made-by-setup"}) {
      a.add_setup(arg);
    }
    return a;
  }

  std::optional<v1::TaskStatus> Last(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    std::optional<v1::TaskStatus> last;
    for (const auto& s : statuses_) {
      if (s.task_id() == id) last = s;
    }
    return last;
  }
  v1::TaskStatus WaitEnd(const std::string& id) {
    EXPECT_TRUE(PollUntil([&] {
      auto last = Last(id);
      return last && last->state() >= v1::TASK_STATE_SUCCEEDED;
    }));
    return Last(id).value_or(v1::TaskStatus());
  }

  testing::ScratchDir dir_;
  testing::ScratchDir code_;
  std::string archive_;
  std::mutex mu_;
  std::condition_variable released_cv_;
  bool released_ = false;
  bool fetch_started_ = false;
  std::vector<v1::TaskStatus> statuses_;
  std::unique_ptr<TaskManager> manager_;
};

TEST_F(TaskManagerWorkdirTest, ReplicaRunsInACopyOfTheTreeSetupPrepared) {
  Make();
  manager_->Assign(Assignment("t1", Sha256Hex(archive_)));
  // Assign returned at once: the fetch waits, and the task is STARTING.
  ASSERT_TRUE(PollUntil([&] {
    std::lock_guard<std::mutex> lock(mu_);
    return fetch_started_;
  }));
  EXPECT_EQ(Last("t1")->state(), v1::TASK_STATE_STARTING);
  Release();
  const v1::TaskStatus end = WaitEnd("t1");
  EXPECT_EQ(end.state(), v1::TASK_STATE_SUCCEEDED) << end.message();
  EXPECT_EQ(ReadFile(dir_.path() + "/tasks/t1/stdout"), "ready\n");
}

TEST_F(TaskManagerWorkdirTest, AKillWhilePreparingEndsTheTaskAndNothingRuns) {
  Make();
  manager_->Assign(Assignment("t1", Sha256Hex(archive_)));
  ASSERT_TRUE(PollUntil([&] {
    std::lock_guard<std::mutex> lock(mu_);
    return fetch_started_;
  }));
  v1::KillTask kill;
  kill.set_task_id("t1");
  kill.set_final_state(v1::TASK_STATE_CANCELLED);
  kill.set_reason("cancelled by alice");
  manager_->Kill(kill);
  const v1::TaskStatus end = WaitEnd("t1");
  EXPECT_EQ(end.state(), v1::TASK_STATE_CANCELLED);
  EXPECT_EQ(end.message(), "cancelled by alice");
  Release();
  manager_.reset();  // joins the preparation
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/tasks/t1/stdout"));
  EXPECT_EQ(Last("t1")->state(), v1::TASK_STATE_CANCELLED);
}

TEST_F(TaskManagerWorkdirTest, AFailedFetchFailsTheTaskNamingTheDigest) {
  Make();
  Release();
  const std::string missing = Sha256Hex("not stored");
  manager_->Assign(Assignment("t1", missing));
  const v1::TaskStatus end = WaitEnd("t1");
  EXPECT_EQ(end.state(), v1::TASK_STATE_FAILED);
  EXPECT_THAT(end.message(), HasSubstr(missing));
}

}  // namespace
}  // namespace hetsched::agent
