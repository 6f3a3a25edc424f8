// The operator verbs end to end, through the CLI as operators type them:
// hold, release, update --priority, requeue (--hold) and cancel by filter,
// against a real scheduler and agent running real processes.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/integration/local_cluster.h"

namespace hetsched::testing {
namespace {

// One replica on the node's only accelerator: two such jobs cannot run at
// once.
std::string Sleeper(const std::string& name) {
  return absl::StrCat("name: ", name, "\nowner: ops-test\n",
                      "termination_grace_s: 1\n",
                      "task_groups:\n  - name: main\n    replicas: 1\n",
                      "    accelerators: {count: 1, kinds: [nvidia/h100]}\n",
                      "    command: [\"sh\", \"-c\", \"trap 'echo usr1' USR1; ",
                      "while :; do sleep 0.1; done\"]\n");
}

class JobVerbsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(cluster_.StartScheduler().ok());
    ASSERT_TRUE(cluster_.StartAgent({"solo", "nvidia/h100", 1}).ok());
    ASSERT_TRUE(cluster_.WaitForReadyNodes(1).ok());
  }

  // Polls until `id` has a RUNNING task of attempt `attempt`.
  void WaitRunning(const std::string& id, uint32_t attempt) {
    const absl::Time deadline = absl::Now() + absl::Seconds(60);
    while (absl::Now() < deadline) {
      auto job = cluster_.GetJob(id);
      ASSERT_TRUE(job.ok()) << job.status();
      for (const auto& t : job->tasks()) {
        if (t.attempt() == attempt && t.state() == v1::TASK_STATE_RUNNING) {
          return;
        }
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
    FAIL() << id << " attempt " << attempt << " never ran";
  }

  CommandResult Cli(std::vector<std::string> args) {
    CommandResult r = cluster_.Cli(args);
    EXPECT_EQ(r.exit_code, 0) << absl::StrJoin(args, " ") << ": " << r.err;
    return r;
  }

  LocalCluster cluster_;
};

TEST_F(JobVerbsTest, HoldReleaseRequeueAndUpdateAsOperatorsTypeThem) {
  auto first = cluster_.Submit(Sleeper("first"));
  ASSERT_TRUE(first.ok()) << first.status();
  WaitRunning(*first, 0);
  auto second = cluster_.Submit(Sleeper("second"));
  ASSERT_TRUE(second.ok()) << second.status();

  EXPECT_EQ(Cli({"hold", *second, "--reason", "data not staged"}).out,
            "job " + *second + ": held\n");
  EXPECT_EQ(Cli({"update", *second, "--priority", "7"}).out,
            "job " + *second + ": priority 7\n");
  CommandResult described = Cli({"job", "describe", *second});
  EXPECT_NE(described.out.find("held by"), std::string::npos) << described.out;
  EXPECT_NE(described.out.find("data not staged"), std::string::npos);

  // The running job steps aside and stays out of line; the held one still
  // waits for its release.
  EXPECT_EQ(Cli({"requeue", *first, "--hold"}).out,
            "job " + *first + ": requeueing, held once stopped\n");
  auto stopped = cluster_.WaitForJob(*first, {v1::JOB_STATE_PENDING});
  ASSERT_TRUE(stopped.ok()) << stopped.status();
  EXPECT_TRUE(stopped->held());
  EXPECT_EQ(stopped->attempt(), 1u);

  EXPECT_EQ(Cli({"release", *second}).out,
            "job " + *second + ": released (PENDING)\n");
  WaitRunning(*second, 0);

  // scancel --signal: the replica traps it and goes on running.
  EXPECT_EQ(Cli({"cancel", "--signal", "USR1", *second}).out,
            "job " + *second + ": SIGUSR1 sent\n");
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  std::string log;
  while (absl::Now() < deadline && log.find("usr1") == std::string::npos) {
    log = cluster_.ReadLog(*second, 0).value_or("");
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_NE(log.find("usr1"), std::string::npos) << log;
  EXPECT_EQ(cluster_.GetJob(*second)->state(), v1::JOB_STATE_RUNNING);
  EXPECT_EQ(cluster_.GetJob(*first)->state(), v1::JOB_STATE_PENDING);

  // Bulk cancel by owner takes both, running and held.
  Cli({"cancel", "--owner", "ops-test", "--reason", "end of test"});
  for (const std::string& id : {*first, *second}) {
    auto job = cluster_.WaitForJob(id, {v1::JOB_STATE_CANCELLED});
    ASSERT_TRUE(job.ok()) << id << ": " << job.status();
  }
}

TEST_F(JobVerbsTest, VerbsOnTheWrongJobExplainThemselves) {
  CommandResult unknown = cluster_.Cli({"hold", "j-999999"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("no job j-999999"), std::string::npos)
      << unknown.err;
  auto running = cluster_.Submit(Sleeper("busy"));
  ASSERT_TRUE(running.ok());
  WaitRunning(*running, 0);
  CommandResult hold_running = cluster_.Cli({"hold", *running});
  EXPECT_EQ(hold_running.exit_code, 1);
  EXPECT_NE(hold_running.err.find("requeue --hold"), std::string::npos)
      << hold_running.err;
  CommandResult kill = cluster_.Cli({"cancel", "--signal", "KILL", *running});
  EXPECT_EQ(kill.exit_code, 2);
  EXPECT_NE(kill.err.find("--signal: 'KILL' is not one of"), std::string::npos)
      << kill.err;
  CommandResult nothing = cluster_.Cli({"cancel"});
  EXPECT_EQ(nothing.exit_code, 2);
  EXPECT_NE(nothing.err.find("give job ids"), std::string::npos) << nothing.err;
  Cli({"cancel", *running});
}

}  // namespace
}  // namespace hetsched::testing
