// CPU-only task groups (accelerators.count: 0) end to end: they run on a
// host without accelerators before one with them, and on an accelerator
// host they see none of its devices.
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/integration/local_cluster.h"

namespace hetsched::testing {
namespace {

std::string CpuJob(const std::string& name, const std::string& group_extra) {
  return absl::StrCat(
      "name: ", name,
      "\ntask_groups:\n  - name: main\n    replicas: 1\n"
      "    accelerators: {count: 0}\n"
      "    command: [sh, -c, 'echo \"devices=${CUDA_VISIBLE_DEVICES-unset} "
      "kind=${HETSCHED_ACCELERATOR_KIND}.\"']\n",
      group_extra);
}

class CpuJobsIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(cluster_.StartScheduler().ok());
    // a-gpu sorts first: only the preference for hosts without
    // accelerators sends CPU work to b-cpu.
    ASSERT_TRUE(cluster_.StartAgent({"a-gpu", "nvidia/h100", 2, "us-a"}).ok());
    HostSpec cpu_host{"b-cpu", "", 0, ""};
    cpu_host.cpus = 2;
    ASSERT_TRUE(cluster_.StartAgent(cpu_host).ok());
    ASSERT_TRUE(cluster_.WaitForReadyNodes(2).ok());
  }

  v1::Job RunToEnd(const std::string& yaml) {
    auto id = cluster_.Submit(yaml);
    EXPECT_TRUE(id.ok()) << id.status();
    if (!id.ok()) return {};
    auto job =
        cluster_.WaitForJob(*id, {v1::JOB_STATE_SUCCEEDED, v1::JOB_STATE_FAILED,
                                  v1::JOB_STATE_CANCELLED});
    EXPECT_TRUE(job.ok()) << job.status();
    return job.ok() ? *job : v1::Job{};
  }

  LocalCluster cluster_;
};

TEST_F(CpuJobsIntegrationTest, ACpuOnlyJobRunsOnTheHostWithoutAccelerators) {
  v1::Job job = RunToEnd(CpuJob("etl", ""));
  ASSERT_EQ(job.state(), v1::JOB_STATE_SUCCEEDED) << job.DebugString();
  ASSERT_EQ(job.tasks_size(), 1);
  EXPECT_EQ(job.tasks(0).node(), "b-cpu");
  EXPECT_EQ(job.tasks(0).device_indices_size(), 0);
  EXPECT_EQ(job.tasks(0).accelerator_kind(), "");
}

TEST_F(CpuJobsIntegrationTest,
       ReplicasBeyondTheCpuHostsCoresGoToAnAcceleratorHost) {
  // b-cpu has two cores (its inventory's cpus: 2): the third replica runs
  // on a-gpu, and every replica's devices stay free.
  v1::Job job = RunToEnd(absl::StrCat(
      "name: wide\ntask_groups:\n  - name: main\n    replicas: 3\n",
      "    accelerators: {count: 0}\n    command: [\"true\"]\n"));
  ASSERT_EQ(job.state(), v1::JOB_STATE_SUCCEEDED) << job.DebugString();
  std::multiset<std::string> nodes;
  for (const auto& t : job.tasks()) {
    nodes.insert(t.node());
    EXPECT_EQ(t.device_indices_size(), 0);
  }
  EXPECT_EQ(nodes, (std::multiset<std::string>{"a-gpu", "b-cpu", "b-cpu"}));
}

TEST_F(CpuJobsIntegrationTest, OnAnAcceleratorHostItSeesNoDevices) {
  v1::Job job = RunToEnd(
      CpuJob("beside", "    node_selector: {hetsched.io/hostname: a-gpu}\n"));
  ASSERT_EQ(job.state(), v1::JOB_STATE_SUCCEEDED) << job.DebugString();
  EXPECT_EQ(job.tasks(0).node(), "a-gpu");
  CommandResult logs = cluster_.Cli({"logs", job.id()});
  EXPECT_EQ(logs.exit_code, 0) << logs.err;
  EXPECT_NE(logs.out.find("devices= kind=."), std::string::npos) << logs.out;
}

}  // namespace
}  // namespace hetsched::testing
