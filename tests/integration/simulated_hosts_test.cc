// Simulated hosts against the real scheduler: one agent process with
// --simulate-hosts 20 registers 20 nodes, each on its own stream, and runs
// simulated tasks (no process) through the real agent code paths.
#include <algorithm>
#include <fstream>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/integration/local_cluster.h"

namespace hetsched::testing {
namespace {

constexpr int kHosts = 20;
constexpr int kUltraserverSize = 9;

std::string Job(const std::string& name, int replicas, const std::string& env) {
  return absl::StrCat("name: ", name, "\ntask_groups:\n  - name: main\n",
                      "    replicas: ", replicas, "\n",
                      "    accelerators: {count: 8, kinds: [nvidia/h100]}\n",
                      "    command: [\"train.py\"]\n", "    env: {", env,
                      "}\n");
}

class SimulatedHostsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(cluster_.StartScheduler().ok());
    const std::string inventory = cluster_.dir() + "/h100.yaml";
    std::ofstream(inventory)
        << "instance_type: p5.48xlarge\n"
        << "accelerators: {kind: nvidia/h100, count: 8}\n"
        << "labels: {provider: aws, ultraserver: nvl}\n"
        << "ultraserver_size: " << kUltraserverSize << "\n";
    auto agent = ChildProcess::Start(
        {HETSCHED_AGENT_BIN, "--simulate-hosts", absl::StrCat(kHosts), "--name",
         "sim", "--inventory", inventory, "--scheduler",
         absl::StrCat("127.0.0.1:", cluster_.scheduler_port()), "--work-dir",
         cluster_.dir() + "/sim", "--heartbeat-ms", "200", "--kill-grace-s",
         "2"},
        cluster_.dir() + "/agent-sim.log");
    ASSERT_TRUE(agent.ok()) << agent.status();
    agent_ = std::move(*agent);
    ASSERT_TRUE(agent_->WaitForListenAddress(absl::Seconds(30)).ok())
        << agent_->Log();
    ASSERT_TRUE(cluster_.WaitForReadyNodes(kHosts).ok()) << agent_->Log();
  }
  void TearDown() override {
    if (agent_) {
      EXPECT_EQ(agent_->Stop(), 0) << agent_->Log();
    }
  }

  LocalCluster cluster_;
  std::unique_ptr<ChildProcess> agent_;
};

TEST_F(SimulatedHostsTest, HostsRegisterWithUltraserversPerGroup) {
  grpc::ClientContext ctx;
  v1::ListNodesResponse nodes;
  ASSERT_TRUE(cluster_.nodes().ListNodes(&ctx, {}, &nodes).ok());
  std::map<std::string, std::string> ultraserver;  // by node name
  for (const auto& n : nodes.nodes()) {
    ultraserver[n.info().name()] = n.info().topology().ultraserver();
    EXPECT_EQ(n.state(), v1::NODE_STATE_READY);
    EXPECT_EQ(n.info().accelerators_size(), 8);
  }
  ASSERT_EQ(ultraserver.size(), static_cast<size_t>(kHosts));
  for (int i = 0; i < kHosts; ++i) {
    const std::string name = absl::StrCat("sim-", i);
    ASSERT_TRUE(ultraserver.contains(name)) << name;
    EXPECT_EQ(ultraserver[name], absl::StrCat("nvl-", i / kUltraserverSize))
        << name;
  }
}

TEST_F(SimulatedHostsTest, GangWithRuntimeRunsAndSucceeds) {
  auto id = cluster_.Submit(Job("gang", 9, "HETSCHED_SIM_RUNTIME_S: '0.5'") +
                            "topology: {same_ultraserver: required}\n");
  ASSERT_TRUE(id.ok()) << id.status();
  auto job =
      cluster_.WaitForJob(*id, {v1::JOB_STATE_SUCCEEDED, v1::JOB_STATE_FAILED});
  ASSERT_TRUE(job.ok()) << job.status();
  ASSERT_EQ(job->state(), v1::JOB_STATE_SUCCEEDED) << job->DebugString();
  std::set<std::string> nodes;
  for (const auto& t : job->tasks()) {
    nodes.insert(t.node());
    EXPECT_EQ(t.state(), v1::TASK_STATE_SUCCEEDED);
  }
  EXPECT_EQ(nodes.size(), 9u);
}

TEST_F(SimulatedHostsTest, ExitCodeFromTheEnvironmentFailsTheJob) {
  auto id = cluster_.Submit(Job("fails", 2, "HETSCHED_SIM_EXIT_CODE: '3'"));
  ASSERT_TRUE(id.ok()) << id.status();
  auto job =
      cluster_.WaitForJob(*id, {v1::JOB_STATE_FAILED, v1::JOB_STATE_SUCCEEDED});
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->state(), v1::JOB_STATE_FAILED);
  EXPECT_EQ(job->exit_code(), 3);
}

TEST_F(SimulatedHostsTest, CancelEndsALongTaskAndItsLogHoldsOneLine) {
  auto id = cluster_.Submit(Job("long", 1, "HETSCHED_SIM_RUNTIME_S: '3600'"));
  ASSERT_TRUE(id.ok()) << id.status();
  ASSERT_TRUE(cluster_.WaitForJob(*id, {v1::JOB_STATE_RUNNING}).ok());
  CommandResult cancel = cluster_.Cli({"cancel", *id});
  EXPECT_EQ(cancel.exit_code, 0) << cancel.err;
  auto job = cluster_.WaitForJob(*id, {v1::JOB_STATE_CANCELLED});
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->tasks(0).state(), v1::TASK_STATE_CANCELLED);
  auto log = cluster_.ReadLog(*id, 0);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_NE(log->find(absl::StrCat("simulated task ", job->tasks(0).id())),
            std::string::npos)
      << *log;
  EXPECT_EQ(std::count(log->begin(), log->end(), '\n'), 1) << *log;
}

TEST_F(SimulatedHostsTest, DrainedSimulatedHostReceivesNothing) {
  for (int i = 1; i < kHosts; ++i) {
    CommandResult drain = cluster_.Cli({"drain", absl::StrCat("sim-", i)});
    ASSERT_EQ(drain.exit_code, 0) << drain.err;
  }
  auto id = cluster_.Submit(Job("one", 1, ""));
  ASSERT_TRUE(id.ok()) << id.status();
  auto job = cluster_.WaitForJob(*id, {v1::JOB_STATE_SUCCEEDED});
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->tasks(0).node(), "sim-0");
}

}  // namespace
}  // namespace hetsched::testing
