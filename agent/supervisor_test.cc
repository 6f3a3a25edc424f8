// Tasks under hetsched-task-supervisor: they outlive the runner that
// started them, a new runner adopts them and learns their real exit, an
// exec failure is still an error, and what a task leaves behind dies with
// it. Needs the hetsched-task-supervisor built next to this test.
#include <signal.h>
#include <unistd.h>

#include <map>
#include <mutex>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "agent/output_relay.h"
#include "agent/supervisor_state.h"
#include "agent/task_runner.h"
#include "agent/test_util.h"

namespace hetsched::agent {
namespace {

using testing::PollUntil;
using testing::ReadFile;

bool Alive(pid_t pid) { return kill(pid, 0) == 0; }

class Exits {
 public:
  TaskLauncher::ExitCallback Callback() {
    return [this](const std::string& id, const ExitInfo& e) {
      std::lock_guard<std::mutex> lock(mu_);
      exits_[id] = e;
    };
  }
  std::optional<ExitInfo> Wait(const std::string& id) {
    std::optional<ExitInfo> exit;
    PollUntil([&] {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = exits_.find(id);
      if (it == exits_.end()) return false;
      exit = it->second;
      return true;
    });
    return exit;
  }

 private:
  std::mutex mu_;
  std::map<std::string, ExitInfo> exits_;
};

class SupervisorTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(mkdir(state_.c_str(), 0700), 0); }
  LaunchSpec Spec(const std::string& id, std::vector<std::string> argv) {
    LaunchSpec spec;
    spec.task_id = id;
    spec.argv = std::move(argv);
    spec.directory = dir_.path();
    spec.state_dir = state_;
    return spec;
  }
  testing::ScratchDir dir_;
  const std::string state_ = dir_.path() + "/state";
};

TEST_F(SupervisorTest, ATaskOutlivesItsRunnerAndTheNextRunnerLearnsItsExit) {
  const std::string release = dir_.path() + "/release";
  Exits first_exits;
  pid_t pgid = 0;
  {
    TaskRunner first(first_exits.Callback());
    ASSERT_TRUE(first.Supervises()) << "no hetsched-task-supervisor here";
    auto started = first.Start(
        Spec("t", {"sh", "-c",
                   absl::StrCat("while [ ! -e ", release,
                                " ]; do sleep 0.02; done; exit 3")}),
        nullptr);
    ASSERT_TRUE(started.ok()) << started.status();
    pgid = *started;
    first.Detach();  // the agent stops; the task must not
  }
  ASSERT_TRUE(Alive(pgid)) << "the task died with its runner";
  auto record = ReadSupervisorRecord(state_);
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->pgid, pgid);
  EXPECT_TRUE(SupervisorAlive(*record));

  Exits second_exits;
  TaskRunner second(second_exits.Callback());
  ASSERT_TRUE(
      second.Adopt("t", record->pid, record->start_ticks, record->pgid, state_)
          .ok());
  EXPECT_TRUE(second.Running("t"));
  testing::WriteFile(release, "");
  auto exit = second_exits.Wait("t");
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(exit->exit_code, 3);
  EXPECT_FALSE(exit->unknown);
  auto recorded = ReadExitRecord(state_);
  ASSERT_TRUE(recorded.ok());
  EXPECT_EQ(recorded->exit_code, 3);
}

TEST_F(SupervisorTest, AStaleRecordIsNotAdopted) {
  Exits exits;
  TaskRunner runner(exits.Callback());
  SupervisorRecord stale;
  stale.pid = getpid();  // alive, but started at another time
  stale.start_ticks = ProcessStartTicks(getpid()) + 1;
  stale.pgid = getpid();
  EXPECT_EQ(runner.Adopt("t", stale.pid, stale.start_ticks, stale.pgid, state_)
                .code(),
            absl::StatusCode::kNotFound);
}

TEST_F(SupervisorTest, ACommandThatCannotRunIsAnErrorWithNoExit) {
  Exits exits;
  TaskRunner runner(exits.Callback());
  auto started = runner.Start(Spec("t", {"/nonexistent/binary"}), nullptr);
  EXPECT_EQ(started.status().code(), absl::StatusCode::kNotFound)
      << started.status();
}

TEST_F(SupervisorTest, ASignalledTaskEndsItsSupervisorTheSameWay) {
  Exits exits;
  TaskRunner runner(exits.Callback());
  auto started = runner.Start(Spec("t", {"sleep", "600"}), nullptr);
  ASSERT_TRUE(started.ok()) << started.status();
  ASSERT_TRUE(runner.Terminate("t", absl::Seconds(5)).ok());
  auto exit = exits.Wait("t");
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(exit->signal, SIGTERM);
  EXPECT_EQ(exit->exit_code, 128 + SIGTERM);
}

TEST_F(SupervisorTest, WhatATaskLeavesBehindDiesWithIt) {
  // A daemon in a session of its own escapes the task's group; the
  // supervisor, its subreaper, still kills it when the task ends.
  const std::string pid_file = dir_.path() + "/daemon.pid";
  Exits exits;
  TaskRunner runner(exits.Callback());
  auto started = runner.Start(
      Spec("t", {"sh", "-c",
                 absl::StrCat("setsid sh -c 'echo $$ > ", pid_file,
                              "; exec sleep 600' & sleep 0.3; exit 0")}),
      nullptr);
  ASSERT_TRUE(started.ok()) << started.status();
  auto exit = exits.Wait("t");
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(exit->exit_code, 0);
  pid_t daemon = 0;
  ASSERT_TRUE(absl::SimpleAtoi(absl::StripAsciiWhitespace(ReadFile(pid_file)),
                               &daemon));
  EXPECT_TRUE(PollUntil([&] { return !Alive(daemon); }));
}

TEST_F(SupervisorTest, OutputPastTheCapIsCutWithANoteAndTheTaskEndsAsItWould) {
  // 1 MB of "0123456789\n" against a 4 KiB cap: the task is neither
  // blocked nor killed, its exit code is its own, stderr has its own cap.
  Exits exits;
  TaskRunner runner(exits.Callback());
  LaunchSpec spec = Spec(
      "t",
      {"sh", "-c", "yes 0123456789 | head -c 1000000; echo oops >&2; exit 3"});
  spec.max_log_bytes = 4096;
  auto started = runner.Start(spec, nullptr);
  ASSERT_TRUE(started.ok()) << started.status();
  auto exit = exits.Wait("t");
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(exit->exit_code, 3);
  EXPECT_EQ(exit->signal, 0);
  std::string lines;
  while (lines.size() < 4096) lines += "0123456789\n";
  // 4096 = 372 lines and 4 bytes: the note starts a line of its own.
  const std::string expected =
      lines.substr(0, 4096) + "\n" + TruncationNote(4096);
  const std::string out = ReadFile(dir_.path() + "/stdout");
  EXPECT_EQ(out.size(), 4096 + 1 + TruncationNote(4096).size());
  EXPECT_EQ(out, expected);
  EXPECT_EQ(ReadFile(dir_.path() + "/stderr"), "oops\n");
}

TEST_F(SupervisorTest, AWriterLeftBehindDoesNotHoldUpTheEndOfACappedTask) {
  // `yes` outlives the leader and keeps the pipe open: the supervisor kills
  // it, copies what is left and ends.
  Exits exits;
  TaskRunner runner(exits.Callback());
  LaunchSpec spec =
      Spec("t", {"sh", "-c",
                 "yes & until grep -q truncated stdout; do sleep 0.01; done; "
                 "exit 0"});
  spec.max_log_bytes = 4096;
  auto started = runner.Start(spec, nullptr);
  ASSERT_TRUE(started.ok()) << started.status();
  auto exit = exits.Wait("t");
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(exit->exit_code, 0);
  std::string lines;
  for (int i = 0; i < 2048; ++i) lines += "y\n";
  EXPECT_EQ(ReadFile(dir_.path() + "/stdout"), lines + TruncationNote(4096));
}

TEST_F(SupervisorTest, WithoutACapATaskWritesItsFilesDirectlyAsBefore) {
  // No --max-log-bytes: the argument form of agents before the cap.
  Exits exits;
  TaskRunner runner(exits.Callback());
  auto started = runner.Start(
      Spec("t", {"sh", "-c", "yes 0123456789 | head -c 100000"}), nullptr);
  ASSERT_TRUE(started.ok()) << started.status();
  auto exit = exits.Wait("t");
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(exit->exit_code, 0);
  EXPECT_EQ(ReadFile(dir_.path() + "/stdout").size(), 100000u);
}

}  // namespace
}  // namespace hetsched::agent
