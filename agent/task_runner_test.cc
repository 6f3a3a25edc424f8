#include "agent/task_runner.h"

#include <signal.h>

#include <chrono>
#include <map>
#include <mutex>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "agent/test_util.h"

namespace hetsched::agent {
namespace {

using testing::PollUntil;
using testing::ReadFile;

bool GroupGone(pid_t pgid) { return kill(-pgid, 0) != 0 && errno == ESRCH; }

class TaskRunnerTest : public ::testing::Test {
 protected:
  TaskRunnerTest()
      : runner_([this](const std::string& id, const ExitInfo& e) {
          std::lock_guard<std::mutex> lock(mu_);
          exits_[id] = e;
          events_.push_back("exit " + id);
        }) {}

  LaunchSpec Spec(const std::string& id, std::vector<std::string> argv) {
    LaunchSpec spec;
    spec.task_id = id;
    spec.argv = std::move(argv);
    spec.directory = dir_.path();
    return spec;
  }

  std::optional<ExitInfo> WaitExit(const std::string& id) {
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

  testing::ScratchDir dir_;
  std::mutex mu_;
  std::map<std::string, ExitInfo> exits_;
  std::vector<std::string> events_;
  TaskRunner runner_;  // last: stops before the state it reports into
};

TEST_F(TaskRunnerTest, CapturesStdoutWithTheGivenEnvironmentAndDirectory) {
  LaunchSpec spec = Spec("t1", {"sh", "-c", "echo $RANK; pwd; echo oops >&2"});
  spec.env = {{"RANK", "3"}};
  ASSERT_TRUE(runner_.Start(spec, nullptr).ok());
  auto exit = WaitExit("t1");
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(exit->exit_code, 0);
  EXPECT_EQ(exit->signal, 0);
  const std::string real_dir = std::filesystem::canonical(dir_.path()).string();
  EXPECT_EQ(ReadFile(dir_.path() + "/stdout"), "3\n" + real_dir + "\n");
  EXPECT_EQ(ReadFile(dir_.path() + "/stderr"), "oops\n");
}

TEST_F(TaskRunnerTest, ReportsTheExitCode) {
  ASSERT_TRUE(runner_.Start(Spec("t3", {"sh", "-c", "exit 3"}), nullptr).ok());
  auto exit = WaitExit("t3");
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(exit->exit_code, 3);
  EXPECT_EQ(exit->signal, 0);
}

TEST_F(TaskRunnerTest, RunsInItsOwnProcessGroup) {
  auto pid = runner_.Start(
      Spec("pg", {"sh", "-c", "ps -o pgid= -p $$ > pgid_seen"}), nullptr);
  ASSERT_TRUE(pid.ok());
  ASSERT_TRUE(WaitExit("pg").has_value());
  int seen = 0;
  ASSERT_TRUE(absl::SimpleAtoi(
      absl::StripAsciiWhitespace(ReadFile(dir_.path() + "/pgid_seen")), &seen));
  EXPECT_EQ(seen, *pid);
}

TEST_F(TaskRunnerTest, RunningIsReportedBeforeTheExitOfAFastTask) {
  auto pid = runner_.Start(Spec("fast", {"true"}), [&](pid_t child) {
    // Hold on until the child has ended (a zombie, or already reaped), so
    // its exit really races this callback.
    const std::string stat = "/proc/" + std::to_string(child) + "/stat";
    EXPECT_TRUE(PollUntil([&] {
      const std::string s = ReadFile(stat);
      const size_t paren = s.rfind(')');
      return s.empty() ||
             (paren != std::string::npos && s.compare(paren + 2, 1, "Z") == 0);
    }));
    std::lock_guard<std::mutex> lock(mu_);
    events_.emplace_back("running fast");
  });
  ASSERT_TRUE(pid.ok());
  ASSERT_TRUE(WaitExit("fast").has_value());
  std::lock_guard<std::mutex> lock(mu_);
  EXPECT_THAT(events_, ::testing::ElementsAre("running fast", "exit fast"));
}

TEST_F(TaskRunnerTest, MissingBinaryIsAnExecFailureWithTheErrno) {
  bool ran = false;
  auto pid = runner_.Start(Spec("nx", {"hetsched-no-such-binary-xyz"}),
                           [&](pid_t) { ran = true; });
  EXPECT_EQ(pid.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(pid.status().message()),
              ::testing::HasSubstr("No such file or directory"));
  EXPECT_FALSE(ran);
  EXPECT_FALSE(runner_.Running("nx"));
  std::lock_guard<std::mutex> lock(mu_);
  EXPECT_FALSE(exits_.contains("nx"));
}

TEST_F(TaskRunnerTest, TerminateKillsAGroupThatIgnoresSigtermAfterTheGrace) {
  // The shell and its background child both ignore SIGTERM (the ignored
  // disposition is inherited), so only the SIGKILL after the grace ends them.
  auto pid = runner_.Start(
      Spec("stubborn",
           {"sh", "-c", "trap '' TERM; sleep 60 & echo started; wait"}),
      nullptr);
  ASSERT_TRUE(pid.ok());
  ASSERT_TRUE(PollUntil(
      [&] { return ReadFile(dir_.path() + "/stdout") == "started\n"; }));
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(runner_.Terminate("stubborn", absl::Milliseconds(300)).ok());
  auto exit = WaitExit("stubborn");
  ASSERT_TRUE(exit.has_value());
  EXPECT_GE(std::chrono::steady_clock::now() - start,
            std::chrono::milliseconds(250));
  EXPECT_EQ(exit->signal, SIGKILL);
  EXPECT_EQ(exit->exit_code, 128 + SIGKILL);
  EXPECT_TRUE(PollUntil([&] { return GroupGone(*pid); }));
}

TEST_F(TaskRunnerTest, TerminateEndsACooperativeTaskWithSigterm) {
  auto pid = runner_.Start(Spec("nice", {"sleep", "60"}), nullptr);
  ASSERT_TRUE(pid.ok());
  ASSERT_TRUE(runner_.Terminate("nice", absl::Seconds(30)).ok());
  auto exit = WaitExit("nice");
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(exit->signal, SIGTERM);
}

TEST_F(TaskRunnerTest, LeftoversOfTheGroupDieWithTheLeader) {
  auto pid =
      runner_.Start(Spec("bg", {"sh", "-c", "sleep 60 & exit 0"}), nullptr);
  ASSERT_TRUE(pid.ok());
  auto exit = WaitExit("bg");
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(exit->exit_code, 0);
  EXPECT_TRUE(PollUntil([&] { return GroupGone(*pid); }));
}

TEST_F(TaskRunnerTest, TerminateOfAnUnknownTaskIsNotFound) {
  EXPECT_EQ(runner_.Terminate("nope", absl::Seconds(1)).code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace hetsched::agent
