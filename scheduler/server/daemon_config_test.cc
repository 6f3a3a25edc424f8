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

TEST(DaemonConfigTest, BorrowingAndLendingLimitsAsKueueWritesThem) {
  auto queues = LoadQueuesFile(
      Write("limits.yaml",
            "queues:\n"
            "  - {name: research, cohort: lab, quota: {nvidia/h100: 64},\n"
            "     borrowing_limit: {nvidia/h100: 16},\n"
            "     lending_limit: {nvidia/h100: 8}}\n"),
      AcceleratorCatalogue::BuiltIn());
  ASSERT_TRUE(queues.ok()) << queues.status();
  EXPECT_EQ((*queues)[0].borrowing_limit.at("nvidia/h100"), 16);
  EXPECT_EQ((*queues)[0].lending_limit.at("nvidia/h100"), 8);

  auto no_cohort =
      LoadQueuesFile(Write("nocohort.yaml",
                           "queues:\n  - {name: a, quota: {nvidia/h100: 8}, "
                           "borrowing_limit: {nvidia/h100: 4}}\n"),
                     AcceleratorCatalogue::BuiltIn());
  EXPECT_NE(no_cohort.status().message().find(
                "queues[0].borrowing_limit: needs a cohort"),
            std::string::npos)
      << no_cohort.status();
  auto too_much = LoadQueuesFile(
      Write("lend.yaml",
            "queues:\n  - {name: a, cohort: lab, quota: {nvidia/h100: 8}, "
            "lending_limit: {nvidia/h100: 9}}\n"),
      AcceleratorCatalogue::BuiltIn());
  EXPECT_NE(too_much.status().message().find(
                "queues[0].lending_limit.nvidia/h100: must not exceed the "
                "quota (8)"),
            std::string::npos)
      << too_much.status();
}

TEST(DaemonConfigTest, TheShippedExamplesLoad) {
  AcceleratorCatalogue catalogue = AcceleratorCatalogue::BuiltIn();
  const std::string examples = HETSCHED_EXAMPLES_DIR;
  ASSERT_TRUE(LoadCatalogueFile(examples + "/catalogue.yaml", catalogue).ok());
  auto queues = LoadQueuesFile(examples + "/queues.yaml", catalogue);
  ASSERT_TRUE(queues.ok()) << queues.status();
  EXPECT_GE(queues->size(), 2u);
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

TEST(DaemonConfigTest, QueueTyposDuplicatesAndNonFiniteWeightsAreRefused) {
  const auto error = [](const std::string& name, const std::string& text) {
    return std::string(
        LoadQueuesFile(Write(name, text), AcceleratorCatalogue::BuiltIn())
            .status()
            .message());
  };
  EXPECT_NE(error("typo.yaml", "queues:\n  - {name: a, weigth: 2}\n")
                .find("typo.yaml: queues[0].weigth: unknown field"),
            std::string::npos);
  EXPECT_NE(error("qouta.yaml", "queues:\n  - {name: a, qouta: {}}\n")
                .find("queues[0].qouta: unknown field"),
            std::string::npos);
  EXPECT_NE(error("twice.yaml", "queues:\n  - {name: a}\n  - {name: a}\n")
                .find("queues[1].name: queue 'a' is defined twice"),
            std::string::npos);
  EXPECT_NE(error("nan.yaml", "queues:\n  - {name: a, weight: .nan}\n")
                .find("queues[0].weight: must be a finite positive number"),
            std::string::npos);
  EXPECT_NE(error("inf.yaml", "queues:\n  - {name: a, weight: .inf}\n")
                .find("queues[0].weight"),
            std::string::npos);
  EXPECT_NE(error("dup.yaml",
                  "queues:\n  - name: a\n    weight: 1\n"
                  "    weight: 9\n")
                .find("queues[0].weight: given twice"),
            std::string::npos);
}

TEST(DaemonConfigTest, CatalogueTyposAndNonFiniteFiguresAreRefused) {
  AcceleratorCatalogue c = AcceleratorCatalogue::BuiltIn();
  absl::Status typo = LoadCatalogueFile(
      Write("ct.yaml", "accelerators:\n  - {kind: amd/mi300x, memroy_gb: 1}\n"),
      c);
  EXPECT_NE(typo.message().find("ct.yaml: accelerators[0].memroy_gb: unknown "
                                "field"),
            std::string::npos)
      << typo;
  absl::Status nan = LoadCatalogueFile(
      Write("cn.yaml",
            "accelerators:\n  - {kind: amd/mi300x, memory_gb: .nan}\n"),
      c);
  EXPECT_NE(nan.message().find("finite"), std::string::npos) << nan;
  EXPECT_FALSE(c.Contains("amd/mi300x"));
}

}  // namespace
}  // namespace hetsched::server
