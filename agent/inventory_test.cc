#include "agent/inventory.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/node_info.h"
#include "agent/test_util.h"

namespace hetsched::agent {
namespace {

using ::testing::HasSubstr;

TEST(InventoryTest, ParsesTheDocumentedShape) {
  auto host = ParseInventory(R"(
instance_type: p5.48xlarge
accelerators: {kind: nvidia/h100, count: 8}
labels: {provider: aws, region: us-east-1, zone: use1-az1,
         ultraserver: use1-us-01, rack: r01, network_block: nb7, team: ml}
price_per_accel_hour: 4.5
)",
                             "h100.yaml");
  ASSERT_TRUE(host.ok()) << host.status();
  EXPECT_EQ(host->source, "inventory");
  EXPECT_EQ(host->instance_type, "p5.48xlarge");
  ASSERT_EQ(host->accelerators.size(), 8u);
  EXPECT_EQ(host->accelerators[7].index, 7u);
  EXPECT_EQ(host->accelerators[0].kind, "nvidia/h100");
  EXPECT_EQ(host->accelerators[0].memory_bytes, 80'000'000'000u);  // catalogue
  EXPECT_EQ(host->topology.provider, "aws");
  EXPECT_EQ(host->topology.region, "us-east-1");
  EXPECT_EQ(host->topology.zone, "use1-az1");
  EXPECT_EQ(host->topology.ultraserver, "use1-us-01");
  EXPECT_EQ(host->topology.rack, "r01");
  EXPECT_EQ(host->topology.network_block, "nb7");
  EXPECT_EQ(host->labels.size(), 1u);  // topology keys are not labels
  EXPECT_EQ(host->labels.at("team"), "ml");
  EXPECT_DOUBLE_EQ(host->price_per_accel_hour, 4.5);
}

TEST(InventoryTest, UltraserverSizeIsReadAndUnsetByDefault) {
  auto sized = ParseInventory(
      "accelerators: {kind: nvidia/h100, count: 8}\nultraserver_size: 9\n",
      "h100.yaml");
  ASSERT_TRUE(sized.ok()) << sized.status();
  EXPECT_EQ(sized->ultraserver_size, 9u);
  auto unsized =
      ParseInventory("accelerators: {kind: nvidia/h100, count: 8}\n", "x");
  ASSERT_TRUE(unsized.ok()) << unsized.status();
  EXPECT_EQ(unsized->ultraserver_size, 0u);
}

TEST(InventoryTest, CpusAndMemoryOverrideTheMachinesInTheNodeInfo) {
  auto host = ParseInventory("cpus: 96\nmemory_gb: 768\n", "cpu-host.yaml");
  ASSERT_TRUE(host.ok()) << host.status();
  EXPECT_EQ(host->cpus, 96u);
  EXPECT_EQ(host->memory_bytes, 768'000'000'000u);
  EXPECT_TRUE(host->accelerators.empty());
  EXPECT_EQ(BuildNodeInfo(*host, "cpu-0", "127.0.0.1:1").cpu_count(), 96u);
  EXPECT_EQ(BuildNodeInfo(*host, "cpu-0", "127.0.0.1:1").memory_bytes(),
            768'000'000'000u);
  // Without it, this machine's own count.
  auto plain = ParseInventory("instance_type: t\n", "x");
  ASSERT_TRUE(plain.ok());
  EXPECT_GT(BuildNodeInfo(*plain, "x", "127.0.0.1:1").cpu_count(), 0u);
}

TEST(InventoryTest, NeuronHostKeepsCoresPerDeviceAndMemory) {
  auto host = ParseInventory(
      "accelerators: {kind: aws/trainium2, count: 16, memory_gb: 96, "
      "cores_per_device: 4}\n",
      "trn2.yaml");
  ASSERT_TRUE(host.ok()) << host.status();
  EXPECT_EQ(host->cores_per_device, 4u);
  EXPECT_EQ(host->accelerators[0].memory_bytes, 96'000'000'000u);
}

TEST(InventoryTest, UnknownKindInVendorModelFormIsAccepted) {
  EXPECT_TRUE(
      ParseInventory("accelerators: {kind: amd/mi300x, count: 8}\n", "f").ok());
}

TEST(InventoryTest, NoAcceleratorsIsACpuHost) {
  auto host = ParseInventory("labels: {provider: on-prem}\n", "cpu.yaml");
  ASSERT_TRUE(host.ok());
  EXPECT_TRUE(host->accelerators.empty());
}

struct Rejected {
  // cppcheck-suppress unusedStructMember
  const char* yaml;
  // cppcheck-suppress unusedStructMember
  const char* field;
};

class InventoryRejectTest : public ::testing::TestWithParam<Rejected> {};

TEST_P(InventoryRejectTest, ErrorNamesTheFileAndTheField) {
  auto host = ParseInventory(GetParam().yaml, "bad.yaml");
  ASSERT_FALSE(host.ok()) << GetParam().yaml;
  EXPECT_EQ(host.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(host.status().message()), HasSubstr("bad.yaml: "));
  EXPECT_THAT(std::string(host.status().message()),
              HasSubstr(GetParam().field));
}

INSTANTIATE_TEST_SUITE_P(
    EachField, InventoryRejectTest,
    ::testing::Values(
        Rejected{"[1, 2]", "must be a YAML map"},
        Rejected{"instance_type: [a]", "instance_type"},
        Rejected{"accelerators: 8", "accelerators"},
        Rejected{"accelerators: {count: 8}", "accelerators.kind"},
        Rejected{"accelerators: {kind: h100, count: 8}", "accelerators.kind"},
        Rejected{"accelerators: {kind: nvidia/, count: 8}",
                 "accelerators.kind"},
        Rejected{"accelerators: {kind: nvidia/h100}", "accelerators.count"},
        Rejected{"accelerators: {kind: nvidia/h100, count: -1}",
                 "accelerators.count"},
        Rejected{"accelerators: {kind: nvidia/h100, count: 4097}",
                 "accelerators.count"},
        Rejected{"accelerators: {kind: nvidia/h100, count: eight}",
                 "accelerators.count"},
        Rejected{"accelerators: {kind: nvidia/h100, count: 8, memory_gb: 0}",
                 "accelerators.memory_gb"},
        Rejected{"accelerators: {kind: nvidia/h100, count: 8, colour: red}",
                 "accelerators.colour"},
        Rejected{"accelerators: {kind: aws/trainium2, count: 8, "
                 "cores_per_device: 0}",
                 "accelerators.cores_per_device"},
        Rejected{"accelerators: {kind: nvidia/h100, count: 8, "
                 "cores_per_device: 8}",
                 "accelerators.cores_per_device"},
        Rejected{"labels: [provider, aws]", "labels"},
        Rejected{"labels: {rack: {a: b}}", "labels.rack"},
        Rejected{"price_per_accel_hour: cheap", "price_per_accel_hour"},
        Rejected{"price_per_accel_hour: -1", "price_per_accel_hour"},
        Rejected{"ultraserver_size: 0", "ultraserver_size"},
        Rejected{"ultraserver_size: nine", "ultraserver_size"},
        Rejected{"cpus: 0", "cpus: must be between 1 and 65536"},
        Rejected{"cpus: -4", "cpus: must be a non-negative integer"},
        Rejected{"memory_gb: 0", "memory_gb: must be above 0 and at most"},
        Rejected{"memory_gb: .nan", "memory_gb: must be above 0 and at most"},
        Rejected{"gpus: 8", "gpus: unknown field"},
        Rejected{"accelerators: {kind: nvidia/h100, count: 8, count: 4}",
                 "accelerators.count: given twice"},
        Rejected{"accelerators: {kind: [", "not valid YAML"}));

TEST(InventoryTest, MissingFileIsNotFoundAndNamesThePath) {
  auto host = LoadInventoryFile("/nonexistent/inventory.yaml");
  EXPECT_EQ(host.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(host.status().message()),
              HasSubstr("/nonexistent/inventory.yaml"));
}

TEST(InventoryTest, LoadsFromFile) {
  testing::ScratchDir dir;
  const std::string path = dir.path() + "/a100.yaml";
  testing::WriteFile(path, "accelerators: {kind: nvidia/a100, count: 2}\n");
  auto host = LoadInventoryFile(path);
  ASSERT_TRUE(host.ok()) << host.status();
  EXPECT_EQ(host->accelerators.size(), 2u);
}

}  // namespace
}  // namespace hetsched::agent
