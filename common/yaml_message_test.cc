#include "common/yaml_message.h"

#include <cmath>
#include <string>

#include "gtest/gtest.h"
#include "hetsched/v1/config_files.pb.h"
#include "hetsched/v1/job.pb.h"

namespace hetsched {
namespace {

std::string ErrorOf(const std::string& text) {
  auto root = ParseYamlText(text);
  if (!root.ok()) return std::string(root.status().message());
  v1::JobSpec spec;
  absl::Status s = YamlToMessage(*root, spec, "spec");
  EXPECT_EQ(s.ok() ? absl::StatusCode::kInvalidArgument : s.code(),
            absl::StatusCode::kInvalidArgument)
      << text;
  return std::string(s.message());
}

TEST(YamlMessageTest, FillsScalarsEnumsListsMapsAndNestedMessages) {
  auto root = ParseYamlText(R"(
name: demo
priority: -3
kind: inference
preemptible: yes
max_runtime_s: 18446744073709551615
topology: {same_ultraserver: required}
labels: {team: vision}
task_groups:
  - replicas: 2
    accelerators: {count: 8, kinds: [nvidia/h100, nvidia/a100]}
    command: [python, train.py]
    env: {NCCL_DEBUG: INFO}
  - name: loader
retry:
)");
  ASSERT_TRUE(root.ok()) << root.status();
  v1::JobSpec spec;
  ASSERT_TRUE(YamlToMessage(*root, spec).ok());
  EXPECT_EQ(spec.name(), "demo");
  EXPECT_EQ(spec.priority(), -3);
  EXPECT_EQ(spec.kind(), v1::JOB_KIND_INFERENCE);
  EXPECT_TRUE(spec.preemptible());
  EXPECT_EQ(spec.max_runtime_s(), UINT64_MAX);
  EXPECT_EQ(spec.topology().same_ultraserver(),
            v1::TOPOLOGY_REQUIREMENT_REQUIRED);
  EXPECT_EQ(spec.labels().at("team"), "vision");
  ASSERT_EQ(spec.task_groups_size(), 2);
  EXPECT_EQ(spec.task_groups(0).replicas(), 2u);
  EXPECT_EQ(spec.task_groups(0).accelerators().kinds(1), "nvidia/a100");
  EXPECT_EQ(spec.task_groups(0).command(1), "train.py");
  EXPECT_EQ(spec.task_groups(0).env().at("NCCL_DEBUG"), "INFO");
  EXPECT_EQ(spec.task_groups(1).name(), "loader");
  EXPECT_EQ(spec.retry().max_retries(), 0u);  // a key with no value: empty
}

TEST(YamlMessageTest, TheZeroEnumValueIsNone) {
  auto root = ParseYamlText("topology: {same_ultraserver: none}");
  ASSERT_TRUE(root.ok());
  v1::JobSpec spec;
  ASSERT_TRUE(YamlToMessage(*root, spec).ok());
  EXPECT_EQ(spec.topology().same_ultraserver(),
            v1::TOPOLOGY_REQUIREMENT_UNSPECIFIED);
}

TEST(YamlMessageTest, EveryErrorNamesItsPathAndReason) {
  EXPECT_EQ(ErrorOf("task_groups:\n  - {replicas: 1, gpus: 8}"),
            "task_groups[0].gpus: unknown field");
  EXPECT_EQ(ErrorOf("labels: {a: x, a: y}"), "labels.a: given twice");
  EXPECT_EQ(ErrorOf("name: a\nname: b"), "name: given twice");
  EXPECT_EQ(ErrorOf("task_groups:\n  - {replicas: two}"),
            "task_groups[0].replicas: must be an integer, got 'two'");
  EXPECT_EQ(ErrorOf("max_runtime_s: -1"),
            "max_runtime_s: must be a non-negative integer, got '-1'");
  EXPECT_EQ(ErrorOf("task_groups:\n  - {replicas: 4294967296}"),
            "task_groups[0].replicas: must be at most 4294967295, got "
            "'4294967296'");
  EXPECT_EQ(ErrorOf("priority: 3000000000"),
            "priority: must be an integer between -2147483648 and 2147483647, "
            "got '3000000000'");
  EXPECT_EQ(ErrorOf("kind: batch"),
            "kind: must be training or inference, got 'batch'");
  EXPECT_EQ(ErrorOf("preemptible: maybe"),
            "preemptible: must be true or false, got 'maybe'");
  EXPECT_EQ(ErrorOf("name: [a]"), "name: must be a string");
  EXPECT_EQ(ErrorOf("depends_on: j-000001"), "depends_on: must be a list");
  EXPECT_EQ(ErrorOf("labels: [a]"), "labels: must be a mapping");
  EXPECT_EQ(ErrorOf("retry: 3"), "retry: must be a mapping");
  EXPECT_EQ(ErrorOf("just text"), "spec: must be a mapping");
  EXPECT_EQ(ErrorOf("labels: {[a]: b}"), "labels: keys must be strings");
  EXPECT_EQ(ErrorOf("? [a]\n: b"), "document: keys must be strings");
  EXPECT_EQ(ErrorOf("name: [a").rfind("line 1, column ", 0), 0u);
}

TEST(YamlMessageTest, NumbersIncludeInfinityAndNotANumberForValidatorsToJudge) {
  auto root = ParseYamlText(
      "queues:\n  - {name: a, weight: .inf}\n"
      "  - {name: b, weight: .nan}\n"
      "  - {name: c, quota: {nvidia/h100: 8}}\n");
  ASSERT_TRUE(root.ok());
  v1::QueuesFile file;
  ASSERT_TRUE(YamlToMessage(*root, file).ok());
  EXPECT_TRUE(std::isinf(file.queues(0).weight()));
  EXPECT_TRUE(std::isnan(file.queues(1).weight()));
  EXPECT_FALSE(file.queues(2).has_weight());
  EXPECT_EQ(file.queues(2).quota().at("nvidia/h100"), 8u);
  root = ParseYamlText("queues:\n  - {name: a, weight: heavy}\n");
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(YamlToMessage(*root, file).message(),
            "queues[0].weight: must be a number, got 'heavy'");
}

}  // namespace
}  // namespace hetsched
