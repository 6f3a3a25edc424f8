#include "agent/task_dirs.h"

#include <signal.h>
#include <spawn.h>
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

TEST(TaskDirsTest, KillsLeftoverGroupsOfThisBootAndForgetsThem) {
  testing::ScratchDir dir;
  auto task_dir = CreateTaskDir(dir.path(), "orphan");
  ASSERT_TRUE(task_dir.ok());
  // A process group as a previous agent would have left it.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  char sleep_bin[] = "sleep";
  char sixty[] = "60";
  char* argv[] = {sleep_bin, sixty, nullptr};
  pid_t pid = 0;
  ASSERT_EQ(posix_spawnp(&pid, "sleep", nullptr, &attr, argv, environ), 0);
  posix_spawnattr_destroy(&attr);
  ASSERT_TRUE(WritePgidFile(*task_dir, pid).ok());

  const std::vector<std::string> log = KillLeftoverGroups(dir.path());
  ASSERT_EQ(log.size(), 1u);
  EXPECT_THAT(log[0], HasSubstr("task orphan"));
  EXPECT_THAT(log[0], HasSubstr("LOST"));
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  EXPECT_FALSE(std::filesystem::exists(*task_dir + "/pgid"));
  EXPECT_TRUE(KillLeftoverGroups(dir.path()).empty());
}

TEST(TaskDirsTest, IgnoresPgidFilesFromAnotherBoot) {
  testing::ScratchDir dir;
  auto task_dir = CreateTaskDir(dir.path(), "old");
  ASSERT_TRUE(task_dir.ok());
  // A pgid recorded before a reboot names a stranger: never signalled.
  testing::WriteFile(*task_dir + "/pgid", "12345 not-this-boot\n");
  EXPECT_TRUE(KillLeftoverGroups(dir.path()).empty());
  EXPECT_FALSE(std::filesystem::exists(*task_dir + "/pgid"));
}

}  // namespace
}  // namespace hetsched::agent
