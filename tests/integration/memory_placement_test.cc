// Host memory as a placement resource with real agents: a node reports
// its memory (the inventory's memory_gb here), replicas asking for
// memory_bytes take theirs from it, so a second job waits although devices
// are free, and runs once the first gives its memory back; a job no node
// could ever hold says so.
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/integration/local_cluster.h"

namespace hetsched::testing {
namespace {

std::string Asking(const std::string& name, const std::string& bytes) {
  return absl::StrCat(
      "name: ", name, "\nowner: mem-test\n", "termination_grace_s: 1\n",
      "task_groups:\n  - name: main\n    replicas: 1\n",
      "    memory_bytes: ", bytes, "\n",
      "    accelerators: {count: 1, kinds: [nvidia/h100]}\n",
      "    command: [\"sh\", \"-c\", \"while :; do sleep 0.1; ", "done\"]\n");
}

TEST(MemoryPlacementIntegrationTest, ASecondJobWaitsForMemoryNotDevices) {
  LocalCluster cluster;
  ASSERT_TRUE(cluster.StartScheduler().ok());
  HostSpec host{"big", "nvidia/h100", 4};
  host.memory_gb = 64;
  ASSERT_TRUE(cluster.StartAgent(host).ok());
  ASSERT_TRUE(cluster.WaitForReadyNodes(1).ok());

  auto first = cluster.Submit(Asking("first", "40000000000"));
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(cluster.WaitForJob(*first, {v1::JOB_STATE_RUNNING}).ok());
  auto second = cluster.Submit(Asking("second", "40000000000"));
  ASSERT_TRUE(second.ok()) << second.status();
  // Three devices are free; 24 GB of memory is not enough.
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  std::string reason;
  while (absl::Now() < deadline &&
         reason.find("host memory") == std::string::npos) {
    reason = cluster.GetJob(*second)->pending_reason();
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_NE(reason.find("each replica of main needs 40000000000 bytes of "
                        "host memory free on its node"),
            std::string::npos)
      << reason;
  EXPECT_EQ(cluster.GetJob(*second)->state(), v1::JOB_STATE_PENDING);

  auto too_big = cluster.Submit(Asking("too-big", "100000000000"));
  ASSERT_TRUE(too_big.ok()) << too_big.status();
  auto refused = cluster.WaitForJob(*too_big, {v1::JOB_STATE_PENDING});
  ASSERT_TRUE(refused.ok());

  CommandResult cancelled = cluster.Cli({"cancel", *first});
  EXPECT_EQ(cancelled.exit_code, 0) << cancelled.err;
  EXPECT_TRUE(cluster.WaitForJob(*second, {v1::JOB_STATE_RUNNING}).ok());
  reason = cluster.GetJob(*too_big)->pending_reason();
  EXPECT_NE(reason.find("infeasible"), std::string::npos) << reason;
  EXPECT_NE(reason.find("the largest node it accepts has 64000000000"),
            std::string::npos)
      << reason;
}

}  // namespace
}  // namespace hetsched::testing
