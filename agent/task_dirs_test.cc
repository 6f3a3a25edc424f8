#include "agent/task_dirs.h"

#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/test_util.h"

extern char** environ;

namespace hetsched::agent {
namespace {

using ::testing::HasSubstr;

TEST(TaskDirsTest, AcceptsOrdinaryIds) {
  EXPECT_TRUE(ValidateTaskId("job-12.workers.0_a").ok());
  EXPECT_TRUE(ValidateTaskId(std::string(128, 'a')).ok());
}

TEST(TaskDirsTest, RefusesIdsThatCouldEscapeTheWorkDir) {
  for (const char* id :
       {"", ".", "..", "../x", "a/b", "/etc", ".hidden", "a b", "x\n"}) {
    const absl::Status s = ValidateTaskId(id);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << id;
    EXPECT_THAT(std::string(s.message()), HasSubstr("task_id")) << id;
  }
  EXPECT_FALSE(ValidateTaskId(std::string(129, 'a')).ok());
}

TEST(TaskDirsTest, CreatesTheTaskDirectoryUnderTasks) {
  testing::ScratchDir dir;
  auto task_dir = CreateTaskDir(dir.path(), "t1");
  ASSERT_TRUE(task_dir.ok());
  EXPECT_EQ(*task_dir, dir.path() + "/tasks/t1");
  EXPECT_TRUE(std::filesystem::is_directory(*task_dir));
  EXPECT_FALSE(CreateTaskDir(dir.path(), "../t1").ok());
}

// A task that plants the next task's directory (or its output files) as a
// symlink cannot make the agent create or truncate anything elsewhere.
TEST(TaskDirsTest, PlantedSymlinksAreRefusedNotFollowed) {
  testing::ScratchDir dir;
  const std::string victim = dir.path() + "/victim";
  std::filesystem::create_directories(victim);
  std::ofstream(victim + "/precious") << "keep me\n";
  std::filesystem::create_directories(dir.path() + "/tasks");
  std::filesystem::create_directory_symlink(victim, dir.path() + "/tasks/next");
  auto planted = CreateTaskDir(dir.path(), "next");
  EXPECT_FALSE(planted.ok());
  EXPECT_NE(planted.status().message().find("symlink"), std::string::npos)
      << planted.status();

  // Inside a real task directory, a stop_reason link is not written through.
  auto task_dir = CreateTaskDir(dir.path(), "t1");
  ASSERT_TRUE(task_dir.ok());
  std::filesystem::create_symlink(victim + "/precious",
                                  *task_dir + "/stop_reason.tmp");
  EXPECT_FALSE(WriteStopReason(*task_dir, "cancelled").ok());
  std::ifstream in(victim + "/precious");
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "keep me");
  // A directory the agent made before (a restart) is taken as it is.
  EXPECT_TRUE(CreateTaskDir(dir.path(), "t1").ok());
}

TEST(TaskDirsTest, JobDirIsTheSameForEveryAttemptAndKeepsItsFiles) {
  testing::ScratchDir dir;
  auto first = CreateJobDir(dir.path() + "/jobs", "j-000001");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, dir.path() + "/jobs/j-000001");
  std::ofstream(*first + "/ckpt") << "42\n";
  auto again = CreateJobDir(dir.path() + "/jobs", "j-000001");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *first);
  std::ifstream in(*again + "/ckpt");
  std::string text;
  std::getline(in, text);
  EXPECT_EQ(text, "42");
  const absl::Status bad = CreateJobDir(dir.path(), "../j").status();
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.message()), HasSubstr("job_id"));
}

TEST(TaskDirsTest, StopReasonIsOneWordOnOneLine) {
  testing::ScratchDir dir;
  auto task_dir = CreateTaskDir(dir.path(), "t1");
  ASSERT_TRUE(task_dir.ok());
  ASSERT_TRUE(WriteStopReason(*task_dir, "timeout").ok());
  ASSERT_TRUE(WriteStopReason(*task_dir, "preempted").ok());
  std::ifstream in(StopReasonPath(*task_dir));
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "preempted\n");
  EXPECT_EQ(StopReasonPath(*task_dir), *task_dir + "/stop_reason");
}

TEST(TaskDirsTest, SupervisedDirsArePrivateToTheAgent) {
  testing::ScratchDir dir;
  auto made = CreateSupervisedDir(dir.path(), "job-1.w.0");
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_EQ(*made, dir.path() + "/supervised/job-1.w.0");
  struct stat st = {};
  ASSERT_EQ(stat(made->c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(stat(SupervisedRoot(dir.path()).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_EQ(CreateSupervisedDir(dir.path(), "../x").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace hetsched::agent
