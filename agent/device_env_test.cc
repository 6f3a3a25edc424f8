#include "agent/device_env.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace hetsched::agent {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

TEST(DeviceEnvTest, NvidiaGetsCommaListInGivenOrderAndPciOrder) {
  auto env = DeviceVisibilityEnv("nvidia/h100", {2, 3}, 0);
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_THAT(*env, ElementsAre(Pair("CUDA_VISIBLE_DEVICES", "2,3"),
                                Pair("CUDA_DEVICE_ORDER", "PCI_BUS_ID")));
  env = DeviceVisibilityEnv("nvidia/a100", {5, 1}, 0);
  ASSERT_TRUE(env.ok());
  EXPECT_EQ((*env)[0].second, "5,1");
}

TEST(DeviceEnvTest, NvidiaWithoutDevicesHidesAllGpus) {
  auto env = DeviceVisibilityEnv("nvidia/h100", {}, 0);
  ASSERT_TRUE(env.ok());
  EXPECT_EQ((*env)[0], std::make_pair(std::string("CUDA_VISIBLE_DEVICES"),
                                      std::string("")));
}

TEST(DeviceEnvTest, Trainium2ChipsBecomeTheirCoreRange) {
  auto env = DeviceVisibilityEnv("aws/trainium2", {2, 3}, 0);
  ASSERT_TRUE(env.ok());
  EXPECT_THAT(*env, ElementsAre(Pair("NEURON_RT_VISIBLE_CORES", "16-31")));
}

TEST(DeviceEnvTest, TrainiumAndInferentia2DefaultToTwoCoresPerChip) {
  EXPECT_THAT(*DeviceVisibilityEnv("aws/trainium", {0}, 0),
              ElementsAre(Pair("NEURON_RT_VISIBLE_CORES", "0-1")));
  EXPECT_THAT(*DeviceVisibilityEnv("aws/inferentia2", {3, 4, 5}, 0),
              ElementsAre(Pair("NEURON_RT_VISIBLE_CORES", "6-11")));
}

TEST(DeviceEnvTest, DiscoveredCoresPerDeviceWinsOverDefault) {
  EXPECT_THAT(*DeviceVisibilityEnv("aws/trainium2", {1}, 4),
              ElementsAre(Pair("NEURON_RT_VISIBLE_CORES", "4-7")));
}

TEST(DeviceEnvTest, SingleCoreIsWrittenAlone) {
  EXPECT_THAT(*DeviceVisibilityEnv("aws/inferentia2", {3}, 1),
              ElementsAre(Pair("NEURON_RT_VISIBLE_CORES", "3")));
}

TEST(DeviceEnvTest, NeuronNeverSetsCudaVariables) {
  auto env = DeviceVisibilityEnv("aws/trainium2", {0}, 0);
  ASSERT_TRUE(env.ok());
  for (const auto& [key, value] : *env) EXPECT_NE(key, "CUDA_VISIBLE_DEVICES");
}

TEST(DeviceEnvTest, NonContiguousNeuronChipsAreRejected) {
  auto env = DeviceVisibilityEnv("aws/trainium2", {0, 2}, 0);
  EXPECT_EQ(env.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(env.status().message()),
              ::testing::HasSubstr("device_indices"));
}

TEST(DeviceEnvTest, DuplicateIndicesAreRejected) {
  EXPECT_FALSE(DeviceVisibilityEnv("nvidia/h100", {1, 1}, 0).ok());
}

TEST(DeviceEnvTest, UnknownVendorSetsNothing) {
  EXPECT_THAT(*DeviceVisibilityEnv("acme/x1", {0}, 0), IsEmpty());
  EXPECT_THAT(*DeviceVisibilityEnv("", {}, 0), IsEmpty());
}

TEST(DeviceEnvTest, HostContractNamesKindCountAndTheAgentsFiles) {
  HostContract c;
  c.accelerator_kind = "nvidia/h100";
  c.accelerators = 8;
  c.job_dir = "/w/jobs/j-000001";
  c.stop_reason_file = "/w/tasks/t/stop_reason";
  c.progress_file = "/w/tasks/t/progress";
  EXPECT_THAT(
      HostContractEnv(c),
      ElementsAre(Pair("HETSCHED_ACCELERATOR_KIND", "nvidia/h100"),
                  Pair("HETSCHED_ACCELERATORS", "8"),
                  Pair("HETSCHED_JOB_DIR", "/w/jobs/j-000001"),
                  Pair("HETSCHED_STOP_REASON_FILE", "/w/tasks/t/stop_reason"),
                  Pair("HETSCHED_PROGRESS_FILE", "/w/tasks/t/progress")));
}

TEST(DeviceEnvTest, HostWithoutAcceleratorsSaysSo) {
  EXPECT_THAT(HostContractEnv({}),
              ::testing::Contains(Pair("HETSCHED_ACCELERATORS", "0")));
  EXPECT_THAT(HostContractEnv({}),
              ::testing::Contains(Pair("HETSCHED_ACCELERATOR_KIND", "")));
}

}  // namespace
}  // namespace hetsched::agent
