// Labels and selectors end to end: agents report their inventory's labels,
// a job's node_selector sends its replicas there, and `hetsched jobs -l`
// and `hetsched nodes -l` list what an operator asks for.
#include <chrono>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/integration/local_cluster.h"

namespace hetsched::testing {
namespace {

std::string Job(const std::string& name, const std::string& extra,
                const std::string& group_extra) {
  return absl::StrCat("name: ", name, "\n", extra,
                      "task_groups:\n  - name: main\n    replicas: 1\n",
                      "    accelerators: {count: 1, kinds: [nvidia/h100]}\n",
                      "    command: [\"true\"]\n", group_extra);
}

class LabelsIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(cluster_.StartScheduler().ok());
    HostSpec spot{"a-spot", "nvidia/h100", 2, "us-a"};
    spot.labels = {{"pool", "spot"}};
    ASSERT_TRUE(cluster_.StartAgent(spot).ok());
    // a-spot sorts first and is as free: only a selector sends work to
    // b-reserved.
    HostSpec reserved{"b-reserved", "nvidia/h100", 2, "us-b"};
    reserved.labels = {{"pool", "reserved"}};
    ASSERT_TRUE(cluster_.StartAgent(reserved).ok());
    ASSERT_TRUE(cluster_.WaitForReadyNodes(2).ok());
  }

  LocalCluster cluster_;
};

TEST_F(LabelsIntegrationTest, ReplicasRunOnlyWhereTheSelectorMatches) {
  auto id = cluster_.Submit(Job("pinned", "labels: {team: vision}\n",
                                "    node_selector: {pool: reserved}\n"));
  ASSERT_TRUE(id.ok()) << id.status();
  auto job =
      cluster_.WaitForJob(*id, {v1::JOB_STATE_SUCCEEDED, v1::JOB_STATE_FAILED});
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->state(), v1::JOB_STATE_SUCCEEDED);
  ASSERT_EQ(job->tasks_size(), 1);
  EXPECT_EQ(job->tasks(0).node(), "b-reserved");

  // The well-known labels select too.
  auto by_name = cluster_.Submit(Job(
      "by-host", "", "    node_selector: {hetsched.io/hostname: a-spot}\n"));
  ASSERT_TRUE(by_name.ok()) << by_name.status();
  job = cluster_.WaitForJob(*by_name,
                            {v1::JOB_STATE_SUCCEEDED, v1::JOB_STATE_FAILED});
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->tasks(0).node(), "a-spot");

  CommandResult described = cluster_.Cli({"job", "describe", *id});
  EXPECT_EQ(described.exit_code, 0) << described.err;
  EXPECT_NE(described.out.find("team=vision"), std::string::npos)
      << described.out;
  EXPECT_NE(described.out.find("node_selector: pool=reserved"),
            std::string::npos)
      << described.out;
}

TEST_F(LabelsIntegrationTest, ASelectorNoNodeMatchesWaitsAndSaysWhy) {
  auto id = cluster_.Submit(
      Job("nowhere", "", "    node_selector: {pool: gpu-lab}\n"));
  ASSERT_TRUE(id.ok()) << id.status();
  // It stays pending with the reason; poll until the reason is written.
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  v1::Job job;
  while (absl::Now() < deadline) {
    auto got = cluster_.GetJob(*id);
    ASSERT_TRUE(got.ok()) << got.status();
    job = *got;
    if (!job.pending_reason().empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(job.state(), v1::JOB_STATE_PENDING);
  EXPECT_NE(job.pending_reason().find("on nodes with pool=gpu-lab"),
            std::string::npos)
      << job.pending_reason();
}

TEST_F(LabelsIntegrationTest, TheCliListsJobsAndNodesByLabel) {
  auto vision = cluster_.Submit(Job("v", "labels: {team: vision}\n", ""));
  auto speech = cluster_.Submit(Job("s", "labels: {team: speech}\n", ""));
  ASSERT_TRUE(vision.ok() && speech.ok());
  CommandResult jobs = cluster_.Cli({"jobs", "--all", "-l", "team=vision"});
  ASSERT_EQ(jobs.exit_code, 0) << jobs.err;
  EXPECT_NE(jobs.out.find(*vision), std::string::npos) << jobs.out;
  EXPECT_EQ(jobs.out.find(*speech), std::string::npos) << jobs.out;

  CommandResult nodes = cluster_.Cli({"nodes", "-l", "pool=spot"});
  ASSERT_EQ(nodes.exit_code, 0) << nodes.err;
  EXPECT_NE(nodes.out.find("a-spot"), std::string::npos) << nodes.out;
  EXPECT_EQ(nodes.out.find("b-reserved"), std::string::npos) << nodes.out;
  nodes = cluster_.Cli({"nodes", "-l", "hetsched.io/ultraserver=us-b"});
  EXPECT_EQ(nodes.out.find("a-spot"), std::string::npos) << nodes.out;
  EXPECT_NE(nodes.out.find("b-reserved"), std::string::npos) << nodes.out;

  CommandResult bad = cluster_.Cli({"nodes", "-l", "pool in (a)"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("label_selector"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace hetsched::testing
