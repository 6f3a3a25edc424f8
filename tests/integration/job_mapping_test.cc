// dcgm-exporter's job-mapping files from a real agent: one file per GPU a
// running replica holds, naming its job, gone once the replica ends.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/integration/local_cluster.h"

namespace hetsched::testing {
namespace {

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(JobMappingTest, FilesNameTheJobWhileItsReplicaRunsAndGoAfter) {
  LocalCluster cluster;
  const std::string map_dir = cluster.dir() + "/job-mapping";
  ASSERT_TRUE(cluster.StartScheduler().ok());
  HostSpec host{"gpu-host", "nvidia/h100", 4};
  host.agent_flags = {"--dcgm-job-mapping-dir", map_dir};
  ASSERT_TRUE(cluster.StartAgent(host).ok());
  ASSERT_TRUE(cluster.WaitForReadyNodes(1).ok());
  auto id = cluster.Submit(
      "name: mapped\ntermination_grace_s: 1\ntask_groups:\n"
      "  - name: main\n    replicas: 1\n"
      "    accelerators: {count: 2, kinds: [nvidia/h100]}\n"
      "    command: [\"sleep\", \"600\"]\n");
  ASSERT_TRUE(id.ok()) << id.status();
  auto job = cluster.WaitForJob(*id, {v1::JOB_STATE_RUNNING});
  ASSERT_TRUE(job.ok()) << job.status();
  ASSERT_EQ(job->tasks(0).device_indices_size(), 2);

  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  auto all_mapped = [&] {
    for (uint32_t device : job->tasks(0).device_indices()) {
      if (Read(absl::StrCat(map_dir, "/", device)) != *id + "\n") return false;
    }
    return true;
  };
  while (!all_mapped() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_TRUE(all_mapped());
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(map_dir)) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 2);  // the two idle GPUs have none

  CommandResult cancel = cluster.Cli({"cancel", *id});
  ASSERT_EQ(cancel.exit_code, 0) << cancel.err;
  ASSERT_TRUE(cluster.WaitForJob(*id, {v1::JOB_STATE_CANCELLED}).ok());
  while (!std::filesystem::is_empty(map_dir) && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_TRUE(std::filesystem::is_empty(map_dir));
}

}  // namespace
}  // namespace hetsched::testing
