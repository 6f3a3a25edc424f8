#include "common/labels.h"

#include "gtest/gtest.h"

namespace hetsched {
namespace {

TEST(LabelKeyTest, AcceptsKubernetesStyleKeysAndNamesTheFieldOtherwise) {
  EXPECT_TRUE(CheckLabelKey("labels", "team").ok());
  EXPECT_TRUE(CheckLabelKey("labels", "hetsched.io/zone").ok());
  EXPECT_TRUE(CheckLabelKey("labels", "A.b-c_9").ok());
  for (const char* bad : {"", "-team", "team-", "a b", "Example.com/x", "/x",
                          "example.com/", "a/b/c", "x\x1b[31m"}) {
    absl::Status s = CheckLabelKey("labels", bad);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(s.message().rfind("labels: ", 0), 0u) << s;
  }
  EXPECT_FALSE(CheckLabelKey("labels", std::string(64, 'a')).ok());
  EXPECT_TRUE(CheckLabelKey("labels", std::string(63, 'a')).ok());
}

TEST(LabelValueTest, EmptyOrANameUpTo63Characters) {
  EXPECT_TRUE(CheckLabelValue("labels.team", "").ok());
  EXPECT_TRUE(CheckLabelValue("labels.team", "ml-infra").ok());
  EXPECT_FALSE(CheckLabelValue("labels.team", "ml infra").ok());
  EXPECT_FALSE(CheckLabelValue("labels.team", std::string(64, 'v')).ok());
}

TEST(LabelSelectorTest, EveryRequirementMustHold) {
  auto selector = LabelSelector::Parse(
      "team=ml, tier==prod,gpu,!spot,zone!=us-east-1a", "label_selector");
  ASSERT_TRUE(selector.ok()) << selector.status();
  EXPECT_EQ(selector->ToString(),
            "team=ml,tier=prod,gpu,!spot,zone!=us-east-1a");
  Labels labels = {{"team", "ml"}, {"tier", "prod"}, {"gpu", ""}};
  EXPECT_TRUE(selector->Matches(labels));  // no zone: != holds
  labels["zone"] = "us-east-1b";
  EXPECT_TRUE(selector->Matches(labels));
  labels["zone"] = "us-east-1a";
  EXPECT_FALSE(selector->Matches(labels));
  labels.erase("zone");
  labels["spot"] = "true";
  EXPECT_FALSE(selector->Matches(labels));
  labels.erase("spot");
  labels.erase("gpu");
  EXPECT_FALSE(selector->Matches(labels));
  labels["gpu"] = "";
  labels["team"] = "web";
  EXPECT_FALSE(selector->Matches(labels));
}

TEST(LabelSelectorTest, EmptySelectsEverything) {
  auto selector = LabelSelector::Parse("  ", "label_selector");
  ASSERT_TRUE(selector.ok());
  EXPECT_TRUE(selector->empty());
  EXPECT_TRUE(selector->Matches(Labels{}));
}

TEST(LabelSelectorTest, BadRequirementsNameTheField) {
  for (const char* bad :
       {"team=ml,", "=ml", "team=m l", "!", "te am", "team in (a,b)"}) {
    auto selector = LabelSelector::Parse(bad, "label_selector");
    ASSERT_FALSE(selector.ok()) << bad;
    EXPECT_EQ(selector.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(selector.status().message().rfind("label_selector: ", 0), 0u)
        << selector.status();
  }
}

}  // namespace
}  // namespace hetsched
