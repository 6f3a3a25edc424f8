#include <sys/stat.h>

#include <algorithm>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/discovery.h"
#include "agent/discovery_neuron.h"
#include "agent/discovery_nvml.h"
#include "agent/test_util.h"

namespace hetsched::agent {
namespace {

using ::testing::HasSubstr;

bool AnyNoteContains(const HostDescription& host, const std::string& text) {
  return std::any_of(host.notes.begin(), host.notes.end(),
                     [&](const std::string& note) {
                       return note.find(text) != std::string::npos;
                     });
}

TEST(NvmlDiscoveryTest, MissingLibraryMeansZeroGpusAndSaysWhy) {
  NvmlDiscovery nvml("libnvidia-ml-absent-for-test.so.1");
  auto host = nvml.Discover();
  ASSERT_TRUE(host.ok());
  EXPECT_TRUE(host->accelerators.empty());
  EXPECT_TRUE(AnyNoteContains(*host, "libnvidia-ml-absent-for-test.so.1"));
  EXPECT_TRUE(AnyNoteContains(*host, "zero NVIDIA GPUs"));
}

TEST(NvmlDiscoveryTest, ProductNamesMapToCatalogueKinds) {
  EXPECT_EQ(NvidiaKindFromName("NVIDIA H100 80GB HBM3"), "nvidia/h100");
  EXPECT_EQ(NvidiaKindFromName("NVIDIA A100-SXM4-80GB"), "nvidia/a100");
  EXPECT_EQ(NvidiaKindFromName("NVIDIA H200"), "nvidia/h200");
  EXPECT_EQ(NvidiaKindFromName("NVIDIA GB200"), "nvidia/gb200");
  EXPECT_EQ(NvidiaKindFromName("NVIDIA B200"), "nvidia/b200");
  EXPECT_EQ(NvidiaKindFromName("Tesla V100-SXM2-32GB"), "nvidia/v100");
  EXPECT_EQ(NvidiaKindFromName("NVIDIA L4"), "nvidia/l4");
  EXPECT_EQ(NvidiaKindFromName("NVIDIA GeForce RTX 4090"),
            "nvidia/geforce-rtx-4090");
}

constexpr char kTrn2Json[] = R"([
  {"neuron_device": 0, "bdf": "cc:00.0", "connected_to": [1, 3],
   "nc_count": 8, "memory_size": 103079215104,
   "neuroncore_ids": [0,1,2,3,4,5,6,7], "neuron_processes": []},
  {"neuron_device": 1, "bdf": "b5:00.0", "connected_to": [0, 2],
   "nc_count": 8, "memory_size": 103079215104,
   "neuroncore_ids": [8,9,10,11,12,13,14,15], "neuron_processes": []}
])";

TEST(NeuronDiscoveryTest, ParsesNeuronLsJson) {
  auto host = ParseNeuronLsJson(kTrn2Json, "trn2.48xlarge");
  ASSERT_TRUE(host.ok()) << host.status();
  EXPECT_EQ(host->source, "neuron");
  ASSERT_EQ(host->accelerators.size(), 2u);
  EXPECT_EQ(host->accelerators[1].index, 1u);
  EXPECT_EQ(host->accelerators[0].kind, "aws/trainium2");
  EXPECT_EQ(host->accelerators[0].memory_bytes, 103079215104u);
  EXPECT_EQ(host->cores_per_device, 8u);
}

TEST(NeuronDiscoveryTest, InstanceTypeNamesTheChip) {
  const char* json = R"([{"neuron_device": 0, "nc_count": 2,
                          "memory_size": 34359738368}])";
  EXPECT_EQ(ParseNeuronLsJson(json, "inf2.48xlarge")->accelerators[0].kind,
            "aws/inferentia2");
  EXPECT_EQ(ParseNeuronLsJson(json, "trn1.32xlarge")->accelerators[0].kind,
            "aws/trainium");
}

TEST(NeuronDiscoveryTest, ModelFieldWinsOverInstanceType) {
  const char* json = R"([{"neuron_device": 0, "nc_count": 2,
                          "memory_size": 34359738368,
                          "model": "Inferentia2"}])";
  EXPECT_EQ(ParseNeuronLsJson(json, "")->accelerators[0].kind,
            "aws/inferentia2");
}

TEST(NeuronDiscoveryTest, WithoutNamesGuessesFromMemoryAndSaysSo) {
  auto host = ParseNeuronLsJson(kTrn2Json, "");
  ASSERT_TRUE(host.ok());
  EXPECT_EQ(host->accelerators[0].kind, "aws/trainium2");
  EXPECT_TRUE(AnyNoteContains(*host, "guessed"));
}

TEST(NeuronDiscoveryTest, EmptyArrayIsZeroDevices) {
  auto host = ParseNeuronLsJson("[]", "");
  ASSERT_TRUE(host.ok());
  EXPECT_TRUE(host->accelerators.empty());
}

TEST(NeuronDiscoveryTest, BadJsonIsRejectedWithTheField) {
  EXPECT_FALSE(ParseNeuronLsJson("not json", "").ok());
  EXPECT_FALSE(ParseNeuronLsJson("{}", "").ok());
  auto bad = ParseNeuronLsJson(R"([{"nc_count": "eight"}])", "");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("[0].nc_count"));
}

TEST(NeuronDiscoveryTest, ToolNotOnPathIsZeroDevices) {
  NeuronDiscovery neuron("neuron-ls-absent-for-test", "");
  auto host = neuron.Discover();
  ASSERT_TRUE(host.ok());
  EXPECT_TRUE(host->accelerators.empty());
  EXPECT_TRUE(AnyNoteContains(*host, "not on PATH"));
}

TEST(NeuronDiscoveryTest, RunsTheToolAndParsesItsOutput) {
  testing::ScratchDir dir;
  const std::string tool = dir.path() + "/neuron-ls";
  testing::WriteFile(tool, std::string("#!/bin/sh\n"
                                       "[ \"$1\" = --json-output ] || exit 9\n"
                                       "cat <<'JSON'\n") +
                               kTrn2Json + "\nJSON\n");
  chmod(tool.c_str(), 0755);
  NeuronDiscovery neuron(tool, "trn2.48xlarge");
  auto host = neuron.Discover();
  ASSERT_TRUE(host.ok());
  EXPECT_EQ(host->accelerators.size(), 2u);
}

TEST(NeuronDiscoveryTest, FailingToolIsZeroDevicesWithReason) {
  testing::ScratchDir dir;
  const std::string tool = dir.path() + "/neuron-ls";
  testing::WriteFile(tool, "#!/bin/sh\nexit 1\n");
  chmod(tool.c_str(), 0755);
  auto host = NeuronDiscovery(tool, "").Discover();
  ASSERT_TRUE(host.ok());
  EXPECT_TRUE(host->accelerators.empty());
  EXPECT_TRUE(AnyNoteContains(*host, "exited"));
}

TEST(AcceleratorDiscoveryTest, InventoryOptionUsesOnlyTheInventory) {
  testing::ScratchDir dir;
  const std::string path = dir.path() + "/inv.yaml";
  testing::WriteFile(path, "accelerators: {kind: aws/trainium2, count: 16}\n");
  AcceleratorDiscovery::Options options;
  options.inventory_path = path;
  auto host = AcceleratorDiscovery::Create(options)->Discover();
  ASSERT_TRUE(host.ok()) << host.status();
  EXPECT_EQ(host->source, "inventory");
  EXPECT_EQ(host->accelerators.size(), 16u);
}

TEST(AcceleratorDiscoveryTest, HostWithoutDriverOrNeuronReportsNothing) {
  AcceleratorDiscovery::Options options;
  options.nvml_library = "libnvidia-ml-absent-for-test.so.1";
  options.neuron_ls = "neuron-ls-absent-for-test";
  auto host = AcceleratorDiscovery::Create(options)->Discover();
  ASSERT_TRUE(host.ok());
  EXPECT_TRUE(host->accelerators.empty());
  EXPECT_EQ(host->source, "none");
  EXPECT_TRUE(AnyNoteContains(*host, "zero NVIDIA GPUs"));
  EXPECT_TRUE(AnyNoteContains(*host, "zero Neuron devices"));
}

}  // namespace
}  // namespace hetsched::agent
