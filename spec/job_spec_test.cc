#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "spec/job_spec_validation.h"
#include "spec/job_spec_yaml.h"

namespace hetsched::spec {
namespace {

constexpr char kValid[] = R"(
name: train-demo
queue: default
priority: 100
kind: training
max_runtime_s: 3600
topology: {same_ultraserver: preferred}
task_groups:
  - name: workers
    replicas: 2
    accelerators: {count: 8, kinds: [nvidia/h100, nvidia/a100]}
    command: ["sh", "-c", "echo rank $RANK of $WORLD_SIZE"]
    env: {NCCL_DEBUG: INFO}
)";

absl::Status ParseAndValidate(const std::string& yaml) {
  auto spec = ParseJobSpecYaml(yaml);
  if (!spec.ok()) return spec.status();
  ApplyJobSpecDefaults(*spec);
  return ValidateJobSpec(*spec, AcceleratorCatalogue::BuiltIn());
}

// Replaces the first occurrence of `from` in the valid spec.
std::string Edit(const std::string& from, const std::string& to) {
  std::string s = kValid;
  size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return s.replace(at, from.size(), to);
}

TEST(JobSpecYamlTest, ReadsLabelsAndNodeSelectors) {
  const std::string yaml =
      Edit("priority: 100", "priority: 100\nlabels: {team: ml, exp: \"7\"}") +
      "    node_selector: {hetsched.io/zone: us-east-1a, pool: \"\"}\n";
  auto spec = ParseJobSpecYaml(yaml);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->labels().at("team"), "ml");
  EXPECT_EQ(spec->labels().at("exp"), "7");
  const auto& selector = spec->task_groups(0).node_selector();
  EXPECT_EQ(selector.at("hetsched.io/zone"), "us-east-1a");
  EXPECT_EQ(selector.at("pool"), "");
  EXPECT_TRUE(ParseAndValidate(yaml).ok());
}

TEST(JobSpecYamlTest, ParsesTheDocumentedExample) {
  auto spec = ParseJobSpecYaml(kValid);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->name(), "train-demo");
  EXPECT_EQ(spec->priority(), 100);
  EXPECT_EQ(spec->topology().same_ultraserver(),
            v1::TOPOLOGY_REQUIREMENT_PREFERRED);
  ASSERT_EQ(spec->task_groups_size(), 1);
  const auto& g = spec->task_groups(0);
  EXPECT_EQ(g.replicas(), 2u);
  EXPECT_EQ(g.accelerators().count(), 8u);
  EXPECT_EQ(g.accelerators().kinds(1), "nvidia/a100");
  EXPECT_EQ(g.command(2), "echo rank $RANK of $WORLD_SIZE");
  EXPECT_EQ(g.env().at("NCCL_DEBUG"), "INFO");
  EXPECT_TRUE(ParseAndValidate(kValid).ok());
}

struct Rejection {
  std::string from, to, message;
};

class JobSpecRejectionTest : public ::testing::TestWithParam<Rejection> {};

TEST_P(JobSpecRejectionTest, NamesTheFieldAndReason) {
  absl::Status s = ParseAndValidate(Edit(GetParam().from, GetParam().to));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find(GetParam().message), std::string::npos)
      << s.message();
}

INSTANTIATE_TEST_SUITE_P(
    EachField, JobSpecRejectionTest,
    ::testing::Values(
        Rejection{"replicas: 2", "replicas: 0",
                  "task_groups[0].replicas: must be between 1 and 4096"},
        Rejection{"replicas: 2", "replicas: 5000",
                  "task_groups[0].replicas: must be between 1 and 4096"},
        Rejection{"replicas: 2", "replicas: two",
                  "task_groups[0].replicas: must be an integer"},
        Rejection{"count: 8", "count: 9999",
                  "task_groups[0].accelerators.count: must be between 0"},
        Rejection{"nvidia/a100]", "nvidia/z9]",
                  "task_groups[0].accelerators.kinds[1]: unknown accelerator"},
        Rejection{"nvidia/a100]", "nvidia/h100]",
                  "task_groups[0].accelerators.kinds[1]: 'nvidia/h100' is "
                  "listed twice"},
        Rejection{"name: train-demo", "name: Train Demo", "name: must be"},
        Rejection{"name: train-demo", "owner: me", "name: must be"},
        Rejection{"queue: default", "queue: 'a b'", "queue: must be"},
        Rejection{"priority: 100", "priority: 2000000",
                  "priority: must be between"},
        Rejection{"kind: training", "kind: batch",
                  "kind: must be training or inference"},
        Rejection{"max_runtime_s: 3600", "max_runtime_s: -1",
                  "max_runtime_s: must be a non-negative integer"},
        Rejection{"max_runtime_s: 3600", "max_runtime_s: 99999999",
                  "max_runtime_s: must be at most"},
        Rejection{"preferred}", "sometimes}",
                  "topology.same_ultraserver: must be preferred or required"},
        Rejection{"command: [\"sh\", \"-c\", \"echo rank $RANK of "
                  "$WORLD_SIZE\"]",
                  "command: []", "task_groups[0].command: must name"},
        Rejection{"NCCL_DEBUG: INFO", "RANK: \"3\"",
                  "task_groups[0].env.RANK: is set by hetsched"},
        Rejection{"NCCL_DEBUG: INFO", "1BAD: x",
                  "task_groups[0].env.1BAD: is not a valid"},
        Rejection{"name: workers", "name: workers\n    gpus: 8",
                  "task_groups[0].gpus: unknown field"},
        Rejection{"queue: default", "qeue: default", "qeue: unknown field"},
        Rejection{"queue: default", "queue: default\nqueue: other",
                  "queue: given twice"},
        Rejection{"name: workers", "name: workers\n    replicas: 4",
                  "task_groups[0].replicas: given twice"},
        Rejection{"task_groups:", "task_groups: []\nx_groups:",
                  "x_groups: unknown field"},
        Rejection{"priority: 100", "providers: [\"Not A Provider\"]",
                  "providers[0]: must be"},
        Rejection{"priority: 100", "depends_on: [j-000001, train-a]",
                  "depends_on[1]: must be a job id such as j-000042 or "
                  "j-000042_7, got "
                  "'train-a'"},
        Rejection{"priority: 100", "depends_on: [j-000001, j-000001]",
                  "depends_on[1]: j-000001 is listed twice"},
        Rejection{"priority: 100", "depends_on: j-000001",
                  "depends_on: must be a list"},
        Rejection{"priority: 100",
                  "depends_on: [j-000001]\ndepends_on_any: [j-000001]",
                  "depends_on_any[0]: j-000001 is already in depends_on[0]"},
        Rejection{"priority: 100", "depends_on_not_ok: [later]",
                  "depends_on_not_ok[0]: must be a job id"},
        Rejection{"priority: 100", "array: \"0-9%0\"",
                  "array: '0-9%0' must end in %N with N a positive number"},
        Rejection{"priority: 100", "array: 0-10000",
                  "array: '0-10000' has more than 10000 elements"},
        Rejection{"kind: training", "kind: inference\narray: 0-3",
                  "array: is only valid for kind: training"},
        Rejection{"priority: 100", "depends_on_corr: [j-000001]",
                  "depends_on_corr: needs array"},
        Rejection{"priority: 100", "array: 0-3\ndepends_on_corr: [j-000001_2]",
                  "depends_on_corr[0]: must be a job array's id such as "
                  "j-000042, got the element 'j-000001_2'"},
        Rejection{"priority: 100", "singleton: sometimes",
                  "singleton: must be true or false"},
        Rejection{"priority: 100", "labels: [team]",
                  "labels: must be a mapping"},
        Rejection{"priority: 100", "labels: {\"team lead\": ml}",
                  "labels: key 'team lead' must be [prefix/]name"},
        Rejection{"priority: 100", "labels: {team: \"ml infra\"}",
                  "labels.team: value 'ml infra' must be empty or"},
        Rejection{"priority: 100", "labels: {Example.com/team: ml}",
                  "labels: key prefix of 'Example.com/team' must be"},
        Rejection{"NCCL_DEBUG: INFO}",
                  "NCCL_DEBUG: INFO}\n    node_selector: x",
                  "task_groups[0].node_selector: must be a mapping"},
        Rejection{"NCCL_DEBUG: INFO}",
                  "NCCL_DEBUG: INFO}\n    node_selector: {pool: \"a/b\"}",
                  "task_groups[0].node_selector.pool: value 'a/b'"},
        Rejection{"kind: training",
                  "kind: training\ninference: "
                  "{min_replicas: 1}",
                  "inference: is only valid"}));

TEST(JobSpecValidationTest, EmptyTaskGroupsRejected) {
  absl::Status s = ParseAndValidate("name: x\ntask_groups: []\n");
  EXPECT_NE(s.message().find("task_groups: must have at least one"),
            std::string::npos)
      << s.message();
}

TEST(JobSpecValidationTest, DuplicateGroupNamesRejected) {
  absl::Status s = ParseAndValidate(
      "name: x\ntask_groups:\n- {name: a, replicas: 1, command: [t]}\n"
      "- {name: a, replicas: 1, command: [t]}\n");
  EXPECT_NE(s.message().find("task_groups[1].name: 'a' is used"),
            std::string::npos)
      << s.message();
}

TEST(JobSpecValidationTest, InferenceMinAboveMaxRejected) {
  absl::Status s = ParseAndValidate(
      "name: x\nkind: inference\ninference: {min_replicas: 3, max_replicas: "
      "2}\ntask_groups:\n- {replicas: 2, command: [t]}\n");
  EXPECT_NE(s.message().find("inference.min_replicas"), std::string::npos)
      << s.message();
}

// Found by tests/fuzz (corpus/job_spec/non-scalar-key.yaml): yaml-cpp threw
// out of the parser and the CLI died in std::terminate.
TEST(JobSpecYamlTest, NonScalarKeysAreAnErrorNotAnException) {
  for (const char* text : {"name: x\n? [a, b]\n: 1\n", "{name: x, {a: 1}: 2}\n",
                           "name: x\ntask_groups:\n- {? [command]: [t]}\n"}) {
    auto spec = ParseJobSpecYaml(text);
    EXPECT_EQ(spec.status().code(), absl::StatusCode::kInvalidArgument) << text;
  }
}

TEST(JobSpecYamlTest, SyntaxErrorsNameTheLine) {
  auto spec = ParseJobSpecYaml("name: x\ntask_groups: [\n");
  EXPECT_EQ(spec.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(spec.status().message().find("line "), std::string::npos);
}

TEST(JobSpecYamlTest, DefaultsFillQueueKindAndGroupName) {
  auto spec = ParseJobSpecYaml("name: x\ntask_groups:\n- {command: [t]}\n");
  ASSERT_TRUE(spec.ok());
  ApplyJobSpecDefaults(*spec);
  EXPECT_EQ(spec->queue(), "default");
  EXPECT_EQ(spec->kind(), v1::JOB_KIND_TRAINING);
  EXPECT_EQ(spec->task_groups(0).name(), "main");
}

TEST(JobSpecYamlTest, ReadsTerminationGraceAndSignalBeforeTimeout) {
  auto spec = ParseJobSpecYaml(
      "name: x\nmax_runtime_s: 3600\ntermination_grace_s: 120\n"
      "signal_before_timeout_s: 300\ntask_groups:\n- {command: [t]}\n");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->termination_grace_s(), 120u);
  EXPECT_EQ(spec->signal_before_timeout_s(), 300u);
  auto bad = ParseJobSpecYaml(
      "name: x\ntermination_grace_s: -1\ntask_groups:\n- {command: [t]}\n");
  EXPECT_NE(bad.status().message().find("termination_grace_s"),
            std::string::npos);
}

TEST(JobSpecYamlTest, ReadsEveryKindOfDependency) {
  auto spec = ParseJobSpecYaml(
      "name: x\ndepends_on: [j-000001]\ndepends_on_any: [j-000002, "
      "j-000003]\ndepends_on_not_ok: [j-000004]\nsingleton: true\n"
      "task_groups:\n- {replicas: 1, command: [t]}\n");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->depends_on_size(), 1);
  EXPECT_EQ(spec->depends_on_any(1), "j-000003");
  EXPECT_EQ(spec->depends_on_not_ok(0), "j-000004");
  EXPECT_TRUE(spec->singleton());
  ApplyJobSpecDefaults(*spec);
  const absl::Status valid =
      ValidateJobSpec(*spec, AcceleratorCatalogue::BuiltIn());
  EXPECT_TRUE(valid.ok()) << valid;
}

TEST(JobSpecYamlTest, MissingFileNamesThePath) {
  auto spec = LoadJobSpecFile("/nonexistent/job.yaml");
  EXPECT_NE(spec.status().message().find("/nonexistent/job.yaml"),
            std::string::npos);
}

}  // namespace
}  // namespace hetsched::spec

namespace hetsched::spec {
namespace {

TEST(JobSpecWorkdirTest, ReadsSetupAndWorkdirDigest) {
  const std::string sha(64, 'a');
  auto spec = ParseJobSpecYaml(
      absl::StrCat(kValid, "setup: [pip, install, -r, requirements.txt]\n",
                   "workdir_sha256: ", sha, "\n"));
  ASSERT_TRUE(spec.ok()) << spec.status();
  ASSERT_EQ(spec->setup_size(), 4);
  EXPECT_EQ(spec->setup(0), "pip");
  EXPECT_EQ(spec->workdir_sha256(), sha);
  EXPECT_TRUE(ValidateJobSpec(*spec, AcceleratorCatalogue::BuiltIn()).ok());
}

TEST(JobSpecWorkdirTest, MalformedDigestAndEmptySetupProgramAreRejected) {
  absl::Status bad_digest =
      ParseAndValidate(absl::StrCat(kValid, "workdir_sha256: ABC\n"));
  EXPECT_EQ(bad_digest.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad_digest.message().rfind("workdir_sha256:", 0), 0u) << bad_digest;
  absl::Status empty_setup =
      ParseAndValidate(absl::StrCat(kValid, "setup: ['', x]\n"));
  EXPECT_EQ(empty_setup.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(empty_setup.message().rfind("setup:", 0), 0u) << empty_setup;
}

}  // namespace
}  // namespace hetsched::spec
