#include "common/yaml_keys.h"

#include "gtest/gtest.h"

namespace hetsched {
namespace {

TEST(YamlKeysTest, AcceptsKnownKeysOnce) {
  EXPECT_TRUE(CheckYamlKeys(YAML::Load("{name: a, weight: 2}"),
                            {"name", "weight", "cohort"}, "queues[0]")
                  .ok());
}

TEST(YamlKeysTest, NamesTheUnknownKeyWithItsPath) {
  absl::Status s = CheckYamlKeys(YAML::Load("{name: a, weigth: 2}"),
                                 {"name", "weight"}, "queues[0]");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "queues[0].weigth: unknown field");
}

TEST(YamlKeysTest, RefusesAKeyGivenTwice) {
  absl::Status s = CheckYamlKeys(YAML::Load("name: a\nweight: 2\nweight: 3\n"),
                                 {"name", "weight"}, "");
  EXPECT_EQ(s.message(), "weight: given twice");
}

TEST(YamlKeysTest, RefusesAScalarWhereAMappingBelongs) {
  EXPECT_EQ(CheckYamlKeys(YAML::Load("just text"), {"name"}, "").message(),
            "document: must be a mapping");
}

}  // namespace
}  // namespace hetsched
