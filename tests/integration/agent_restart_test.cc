// Agent restarts kill nothing: the agents of a running gang are SIGKILLed
// and started again; the gang carries on (same tasks, same processes) and
// succeeds, and a task that ended while no agent ran is reported with its
// own exit code. An agent stopped with SIGTERM leaves its tasks running
// too, and the next one adopts them.
#include <signal.h>

#include <fstream>
#include <map>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/integration/local_cluster.h"

namespace hetsched::testing {
namespace {

const HostSpec kHost0{"h100-0", "nvidia/h100", 8};
const HostSpec kHost1{"h100-1", "nvidia/h100", 8};

// A job whose replicas record their pid, wait for `gate` to exist, then
// exit with `code`.
std::string GatedJob(const std::string& name, int replicas, int accelerators,
                     const std::string& gate, int code) {
  return absl::StrCat(
      "name: ", name, "\ntask_groups:\n  - name: w\n    replicas: ", replicas,
      "\n    accelerators: {count: ", accelerators,
      ", kinds: [nvidia/h100]}\n    command: [\"sh\", \"-c\", \"echo $$ > "
      "pid; while [ ! -e ",
      gate, " ]; do sleep 0.05; done; exit ", code, "\"]\n");
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::string s((std::istreambuf_iterator<char>(in)),
                std::istreambuf_iterator<char>());
  return std::string(absl::StripAsciiWhitespace(s));
}

void Touch(const std::string& path) { std::ofstream(path) << ""; }

class AgentRestartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A lease long enough for a restart on a loaded machine.
    ASSERT_TRUE(
        cluster_.StartScheduler(0, {"--node-lost-timeout-s", "30"}).ok());
    ASSERT_TRUE(cluster_.StartAgent(kHost0).ok());
    ASSERT_TRUE(cluster_.StartAgent(kHost1).ok());
    ASSERT_TRUE(cluster_.WaitForReadyNodes(2).ok());
  }

  // task id -> the pid its replica recorded.
  std::map<std::string, std::string> Pids(const v1::Job& job) {
    std::map<std::string, std::string> pids;
    for (const auto& t : job.tasks()) {
      const std::string path = cluster_.TaskDir(t.node(), t.id()) + "/pid";
      for (int i = 0; i < 100 && Slurp(path).empty(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // poll
      }
      pids[t.id()] = Slurp(path);
    }
    return pids;
  }

  LocalCluster cluster_;
};

TEST_F(AgentRestartTest,
       ASigkilledAgentAdoptsItsTasksAndReportsThoseThatEnded) {
  const std::string gang_gate = cluster_.dir() + "/gang-gate";
  const std::string three_gate = cluster_.dir() + "/three-gate";
  auto gang = cluster_.Submit(GatedJob("gang", 2, 4, gang_gate, 0));
  ASSERT_TRUE(gang.ok()) << gang.status();
  auto three = cluster_.Submit(GatedJob("three", 1, 1, three_gate, 3));
  ASSERT_TRUE(three.ok()) << three.status();
  auto running = cluster_.WaitForJob(*gang, {v1::JOB_STATE_RUNNING});
  ASSERT_TRUE(running.ok()) << running.status();
  auto three_running = cluster_.WaitForJob(*three, {v1::JOB_STATE_RUNNING});
  ASSERT_TRUE(three_running.ok()) << three_running.status();
  const std::map<std::string, std::string> before = Pids(*running);
  const std::map<std::string, std::string> three_pid = Pids(*three_running);

  cluster_.agent("h100-0").Crash();
  cluster_.agent("h100-1").Crash();
  // While no agent runs, "three" exits 3.
  Touch(three_gate);
  pid_t pid = 0;
  ASSERT_TRUE(absl::SimpleAtoi(three_pid.begin()->second, &pid));
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (kill(pid, 0) == 0 && absl::Now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // poll
  }
  ASSERT_NE(kill(pid, 0), 0) << "the task did not end while the agent was down";

  ASSERT_TRUE(cluster_.StartAgent(kHost0).ok());
  ASSERT_TRUE(cluster_.StartAgent(kHost1).ok());
  auto failed = cluster_.WaitForJob(
      *three,
      {v1::JOB_STATE_FAILED, v1::JOB_STATE_SUCCEEDED, v1::JOB_STATE_CANCELLED});
  ASSERT_TRUE(failed.ok()) << failed.status();
  EXPECT_EQ(failed->state(), v1::JOB_STATE_FAILED);
  ASSERT_EQ(failed->tasks_size(), 1);
  EXPECT_EQ(failed->tasks(0).exit_code(), 3) << failed->tasks(0).message();

  auto still = cluster_.GetJob(*gang);
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(still->state(), v1::JOB_STATE_RUNNING);
  Touch(gang_gate);
  auto done = cluster_.WaitForJob(
      *gang, {v1::JOB_STATE_SUCCEEDED, v1::JOB_STATE_FAILED});
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->state(), v1::JOB_STATE_SUCCEEDED);
  // No task was launched again: the same tasks, attempt 0, the same pids.
  ASSERT_EQ(done->tasks_size(), 2);
  for (const auto& t : done->tasks()) EXPECT_EQ(t.attempt(), 0u) << t.id();
  EXPECT_EQ(Pids(*done), before);
}

TEST_F(AgentRestartTest, ASigtermedAgentLeavesItsTasksToTheNextOne) {
  const std::string gate = cluster_.dir() + "/gate";
  auto job = cluster_.Submit(GatedJob("job", 1, 8, gate, 0));
  ASSERT_TRUE(job.ok()) << job.status();
  auto running = cluster_.WaitForJob(*job, {v1::JOB_STATE_RUNNING});
  ASSERT_TRUE(running.ok()) << running.status();
  const std::map<std::string, std::string> before = Pids(*running);
  const std::string node = running->tasks(0).node();
  const HostSpec& host = node == kHost0.name ? kHost0 : kHost1;

  cluster_.agent(node).Stop();  // SIGTERM: an upgrade
  ASSERT_TRUE(cluster_.StartAgent(host).ok());
  Touch(gate);
  auto done = cluster_.WaitForJob(
      *job, {v1::JOB_STATE_SUCCEEDED, v1::JOB_STATE_FAILED});
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->state(), v1::JOB_STATE_SUCCEEDED);
  EXPECT_EQ(done->tasks(0).attempt(), 0u);
  EXPECT_EQ(Pids(*done), before);
}

TEST(AgentSelfFencingTest, AnAgentCutOffLongerThanTheLeaseStopsItsTasks) {
  // The scheduler freezes (SIGSTOP): after the 2 s node lease it would
  // declare the node LOST and run the job elsewhere, so the agent stops
  // the task itself.
  LocalCluster cluster;
  ASSERT_TRUE(cluster.StartScheduler(0, {"--node-lost-timeout-s", "2"}).ok());
  ASSERT_TRUE(cluster.StartAgent(kHost0).ok());
  ASSERT_TRUE(cluster.WaitForReadyNodes(1).ok());
  auto job = cluster.Submit(GatedJob("job", 1, 8, cluster.dir() + "/never", 0));
  ASSERT_TRUE(job.ok()) << job.status();
  auto running = cluster.WaitForJob(*job, {v1::JOB_STATE_RUNNING});
  ASSERT_TRUE(running.ok()) << running.status();
  const std::string pid_file =
      cluster.TaskDir(running->tasks(0).node(), running->tasks(0).id()) +
      "/pid";
  pid_t pid = 0;
  const absl::Time started = absl::Now() + absl::Seconds(10);
  while (!absl::SimpleAtoi(Slurp(pid_file), &pid) && absl::Now() < started) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // poll
  }
  ASSERT_GT(pid, 0);

  kill(cluster.scheduler().pid(), SIGSTOP);
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (kill(pid, 0) == 0 && absl::Now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // poll
  }
  const bool stopped = kill(pid, 0) != 0;
  kill(cluster.scheduler().pid(), SIGCONT);
  EXPECT_TRUE(stopped) << "the task still runs after the lease";
  EXPECT_NE(cluster.agent(kHost0.name).Log().find("longer than the node lease"),
            std::string::npos)
      << cluster.agent(kHost0.name).Log();
}

}  // namespace
}  // namespace hetsched::testing
