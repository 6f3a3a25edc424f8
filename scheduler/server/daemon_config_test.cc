#include "scheduler/server/daemon_config.h"

#include <fstream>

#include "gtest/gtest.h"

namespace hetsched::server {
namespace {

std::string Write(const std::string& name, const std::string& text) {
  std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(DaemonConfigTest, QueuesWithWeightsCohortsAndQuotas) {
  auto queues = LoadQueuesFile(
      Write("q.yaml",
            "queues:\n"
            "  - {name: research, weight: 2, cohort: lab, quota: "
            "{nvidia/h100: 64}}\n"
            "  - {name: prod}\n"),
      AcceleratorCatalogue::BuiltIn());
  ASSERT_TRUE(queues.ok()) << queues.status();
  ASSERT_EQ(queues->size(), 2u);
  EXPECT_EQ((*queues)[0].weight, 2);
  EXPECT_EQ((*queues)[0].cohort, "lab");
  EXPECT_EQ((*queues)[0].nominal_quota.at("nvidia/h100"), 64);
  EXPECT_EQ((*queues)[1].weight, 1);
}

TEST(DaemonConfigTest, QueueErrorsNameFileAndField) {
  auto bad = LoadQueuesFile(
      Write("bad.yaml", "queues:\n  - {name: a, quota: {nvidia/z1: 4}}\n"),
      AcceleratorCatalogue::BuiltIn());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("bad.yaml: queues[0].quota.nvidia/z1"),
            std::string::npos)
      << bad.status();
  auto weight =
      LoadQueuesFile(Write("w.yaml", "queues:\n  - {name: a, weight: 0}\n"),
                     AcceleratorCatalogue::BuiltIn());
  EXPECT_NE(weight.status().message().find("queues[0].weight"),
            std::string::npos);
  EXPECT_EQ(LoadQueuesFile("/nonexistent.yaml", AcceleratorCatalogue::BuiltIn())
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TEST(DaemonConfigTest, CatalogueFileExtendsTheBuiltIn) {
  AcceleratorCatalogue c = AcceleratorCatalogue::BuiltIn();
  ASSERT_TRUE(LoadCatalogueFile(
                  Write("c.yaml",
                        "accelerators:\n  - {kind: amd/mi300x, bf16_tflops: "
                        "1307, memory_gb: 192}\n"),
                  c)
                  .ok());
  ASSERT_TRUE(c.Contains("amd/mi300x"));
  EXPECT_EQ(c.Find("amd/mi300x")->bf16_tflops, 1307);
  absl::Status bad = LoadCatalogueFile(
      Write("c2.yaml", "accelerators:\n  - {kind: mi300x}\n"), c);
  EXPECT_NE(bad.message().find("accelerators[0]"), std::string::npos);
}

}  // namespace
}  // namespace hetsched::server
