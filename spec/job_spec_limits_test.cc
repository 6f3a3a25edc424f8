// The limits on what one caller may ask for: each refused with the field
// and the bound, before anything is stored.
#include <string>

#include "gtest/gtest.h"
#include "spec/job_spec_validation.h"

namespace hetsched::spec {
namespace {

v1::JobSpec Small() {
  v1::JobSpec spec;
  spec.set_name("limits");
  spec.set_owner("alice");
  v1::TaskGroupSpec* g = spec.add_task_groups();
  g->set_name("main");
  g->set_replicas(1);
  g->mutable_accelerators()->set_count(1);
  g->add_command("true");
  ApplyJobSpecDefaults(spec);
  return spec;
}

std::string Error(const v1::JobSpec& spec) {
  return std::string(
      ValidateJobSpec(spec, AcceleratorCatalogue::BuiltIn()).message());
}

TEST(JobSpecLimitsTest, TheSmallSpecPasses) { EXPECT_EQ(Error(Small()), ""); }

TEST(JobSpecLimitsTest, SixtyFourGroupsOfFourThousandReplicasAreRefused) {
  v1::JobSpec spec = Small();
  spec.clear_task_groups();
  for (int i = 0; i < 64; ++i) {
    v1::TaskGroupSpec* g = spec.add_task_groups();
    g->set_name("g" + std::to_string(i));
    g->set_replicas(4096);
    g->add_command("true");
  }
  EXPECT_EQ(Error(spec),
            "task_groups: must have at most 4096 replicas in all, got 262144");
}

TEST(JobSpecLimitsTest, ASpecOverOneMebibyteIsRefused) {
  v1::JobSpec spec = Small();
  (*spec.mutable_task_groups(0)->mutable_env())["BLOB"] =
      std::string(kMaxJobSpecBytes, 'x');
  EXPECT_NE(Error(spec).find("spec: must be at most 1048576 bytes"),
            std::string::npos);
}

TEST(JobSpecLimitsTest, LabelsAndSelectorsAreBounded) {
  v1::JobSpec labels = Small();
  for (int i = 0; i <= 64; ++i) {
    (*labels.mutable_labels())["k" + std::to_string(i)] = "v";
  }
  EXPECT_EQ(Error(labels), "labels: must have at most 64 labels");
  v1::JobSpec selector = Small();
  (*selector.mutable_task_groups(0)->mutable_node_selector())["pool"] =
      std::string(64, 'a');
  EXPECT_NE(Error(selector).find("task_groups[0].node_selector.pool: value"),
            std::string::npos);
}

TEST(JobSpecLimitsTest, RetriesAndRestartsAreBounded) {
  v1::JobSpec retries = Small();
  retries.mutable_retry()->set_max_retries(2000000000);
  EXPECT_EQ(Error(retries), "retry.max_retries: must be at most 100");
  v1::JobSpec restarts = Small();
  restarts.set_kind(v1::JOB_KIND_INFERENCE);
  restarts.mutable_inference()->set_max_restarts(5000);
  EXPECT_EQ(Error(restarts), "inference.max_restarts: must be at most 1000");
}

TEST(JobSpecLimitsTest, UnknownEnumValuesFromRawGrpcAreRefused) {
  v1::JobSpec kind = Small();
  kind.set_kind(static_cast<v1::JobKind>(77));
  EXPECT_EQ(Error(kind), "kind: unknown value 77");
  v1::JobSpec topology = Small();
  topology.mutable_topology()->set_same_ultraserver(
      static_cast<v1::TopologyRequirement>(-3));
  EXPECT_EQ(Error(topology), "topology.same_ultraserver: unknown value -3");
}

TEST(JobSpecLimitsTest, ControlCharactersAndNulBytesAreRefused) {
  v1::JobSpec owner = Small();
  owner.set_owner("alice\x1b[31m");
  EXPECT_EQ(Error(owner), "owner: must not contain control characters");
  v1::JobSpec nul = Small();
  nul.mutable_task_groups(0)->add_command(std::string("a\0b", 3));
  EXPECT_EQ(Error(nul),
            "task_groups[0].command[1]: must not contain a NUL byte");
}

TEST(JobSpecLimitsTest, TheLaunchContractsNamesAreReserved) {
  for (const char* name : {"PET_NNODES", "NODE_RANK", "LOCAL_WORLD_SIZE",
                           "HETSCHED_JOB_DIR", "NEURON_RT_ROOT_COMM_ID"}) {
    v1::JobSpec spec = Small();
    (*spec.mutable_task_groups(0)->mutable_env())[name] = "x";
    EXPECT_NE(Error(spec).find("is set by hetsched and cannot be overridden"),
              std::string::npos)
        << name;
  }
}

TEST(JobSpecLimitsTest, GraceAndEarlySignalAreBounded) {
  v1::JobSpec grace = Small();
  grace.set_termination_grace_s(86401);
  EXPECT_EQ(Error(grace), "termination_grace_s: must be at most 86400 (a day)");
  v1::JobSpec signal = Small();
  signal.set_signal_before_timeout_s(60);
  EXPECT_EQ(
      Error(signal),
      "signal_before_timeout_s: needs max_runtime_s and must be below it");
  signal.set_max_runtime_s(60);
  EXPECT_NE(Error(signal), "");
  signal.set_max_runtime_s(3600);
  EXPECT_EQ(Error(signal), "");
}

}  // namespace
}  // namespace hetsched::spec
