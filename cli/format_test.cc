#include "cli/format.h"

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace hetsched::cli {
namespace {

TEST(FormatTest, DurationsUseTheLargestWholeUnit) {
  EXPECT_EQ(FormatDuration(0), "0s");
  EXPECT_EQ(FormatDuration(5'999), "5s");
  EXPECT_EQ(FormatDuration(3 * 60'000 + 59'000), "3m");
  EXPECT_EQ(FormatDuration(2 * 3'600'000), "2h");
  EXPECT_EQ(FormatDuration(4 * 86'400'000LL + 5), "4d");
  EXPECT_EQ(FormatDuration(-10'000), "0s");
}

TEST(FormatTest, AgeOfNeverIsADash) {
  EXPECT_EQ(FormatAge(0, 1'000'000), "-");
  EXPECT_EQ(FormatAge(1'000'000 - 65'000, 1'000'000), "1m");
}

TEST(FormatTest, TimestampsAreUtcWithAge) {
  EXPECT_EQ(FormatTimestamp(0, 5), "-");
  EXPECT_EQ(FormatTimestamp(86'400'000, 86'400'000 + 7'000),
            "1970-01-02 00:00:00 UTC (7s ago)");
}

TEST(FormatTest, StateNamesDropTheEnumPrefix) {
  EXPECT_EQ(JobStateName(v1::JOB_STATE_RUNNING), "RUNNING");
  EXPECT_EQ(TaskStateName(v1::TASK_STATE_PREEMPTED), "PREEMPTED");
  EXPECT_EQ(NodeStateName(v1::NODE_STATE_DRAINED), "DRAINED");
  EXPECT_EQ(JobKindName(v1::JOB_KIND_INFERENCE), "inference");
  EXPECT_EQ(TopologyRequirementName(v1::TOPOLOGY_REQUIREMENT_UNSPECIFIED),
            "none");
  EXPECT_EQ(JobStateName(static_cast<v1::JobState>(99)), "UNKNOWN(99)");
}

TEST(FormatTest, ParsesDurationsWithOneUnit) {
  EXPECT_EQ(ParseDurationMs("90s"), 90'000);
  EXPECT_EQ(ParseDurationMs("30m"), 1'800'000);
  EXPECT_EQ(ParseDurationMs("24h"), 86'400'000);
  EXPECT_EQ(ParseDurationMs("7d"), 604'800'000);
  EXPECT_EQ(ParseDurationMs("7"), std::nullopt);
  EXPECT_EQ(ParseDurationMs("d"), std::nullopt);
  EXPECT_EQ(ParseDurationMs("-1h"), std::nullopt);
  EXPECT_EQ(ParseDurationMs("1.5h"), std::nullopt);
  EXPECT_EQ(ParseDurationMs("1w"), std::nullopt);
}

TEST(FormatTest, ParsesStateWordsAsUsersTypeThem) {
  EXPECT_EQ(ParseJobState("running"), v1::JOB_STATE_RUNNING);
  EXPECT_EQ(ParseJobState("PENDING"), v1::JOB_STATE_PENDING);
  EXPECT_EQ(ParseJobState("JOB_STATE_FAILED"), v1::JOB_STATE_FAILED);
  EXPECT_EQ(ParseJobState("unspecified"), std::nullopt);
  EXPECT_EQ(ParseJobState("bogus"), std::nullopt);
  EXPECT_EQ(KnownJobStateNames(),
            "pending, running, succeeded, failed, cancelled");
}

v1::Job TwoGroupJob() {
  v1::Job job;
  auto* g = job.mutable_spec()->add_task_groups();
  g->set_name("workers");
  g->set_replicas(2);
  g->mutable_accelerators()->set_count(8);
  g->mutable_accelerators()->add_kinds("nvidia/h100");
  g->mutable_accelerators()->add_kinds("nvidia/a100");
  auto* cpu = job.mutable_spec()->add_task_groups();
  cpu->set_name("driver");
  cpu->set_replicas(1);
  return job;
}

TEST(FormatTest, AcceleratorSummaryShowsTheRequestBeforePlacement) {
  EXPECT_EQ(JobAcceleratorSummary(TwoGroupJob()),
            "2x8 nvidia/h100|nvidia/a100, 1x cpu");
  v1::Job any;
  auto* g = any.mutable_spec()->add_task_groups();
  g->set_replicas(1);
  g->mutable_accelerators()->set_count(4);
  EXPECT_EQ(JobAcceleratorSummary(any), "1x4 any");
}

TEST(FormatTest, AcceleratorSummaryShowsPlacedKinds) {
  v1::Job job = TwoGroupJob();
  for (const char* kind : {"nvidia/h100", "nvidia/h100"}) {
    auto* t = job.add_tasks();
    t->set_task_group("workers");
    t->set_accelerator_kind(kind);
  }
  EXPECT_EQ(JobAcceleratorSummary(job), "2x8 nvidia/h100, 1x cpu");
  job.mutable_tasks(1)->set_accelerator_kind("nvidia/a100");
  EXPECT_EQ(JobAcceleratorSummary(job),
            "1x8 nvidia/h100+1x8 nvidia/a100, 1x cpu");
  EXPECT_EQ(TotalReplicas(job.spec()), 3u);
}

TEST(FormatTest, NodeSummaries) {
  v1::Node node;
  EXPECT_EQ(NodeKinds(node), "-");
  for (int i = 0; i < 8; ++i) {
    node.mutable_info()->add_accelerators()->set_kind("nvidia/h100");
  }
  node.set_accelerators_allocated(3);
  EXPECT_EQ(NodeKinds(node), "nvidia/h100");
  EXPECT_EQ(NodeAcceleratorUsage(node), "3/8");
}

TEST(FormatTest, IndicesBecomeRanges) {
  EXPECT_EQ(FormatIndices({}), "-");
  EXPECT_EQ(FormatIndices({3}), "3");
  EXPECT_EQ(FormatIndices({6, 0, 1, 2, 3}), "0-3,6");
}

TEST(FormatTest, BytesInBinaryUnits) {
  EXPECT_EQ(FormatBytes(0), "-");
  EXPECT_EQ(FormatBytes(512), "512 B");
  EXPECT_EQ(FormatBytes(80ull << 30), "80 GiB");
  EXPECT_EQ(FormatBytes(3ull << 39), "1.5 TiB");
}

TEST(FormatTest, CommandsAreQuotedLikeAShell) {
  EXPECT_EQ(FormatCommand({"sh", "-c", "echo rank $RANK"}),
            "sh -c 'echo rank $RANK'");
  EXPECT_EQ(FormatCommand({"echo", "it's"}), "echo 'it'\\''s'");
}

TEST(FormatTest, JsonKeepsProtoNamesAndZeroFields) {
  v1::Job job;
  job.set_id("j-1");
  auto doc = nlohmann::json::parse(ToJson(job));
  EXPECT_EQ(doc["id"], "j-1");
  EXPECT_TRUE(doc.contains("pending_reason"));
  EXPECT_TRUE(doc.contains("submit_time_ms"));
  EXPECT_EQ(doc["state"], "JOB_STATE_UNSPECIFIED");
}

}  // namespace
}  // namespace hetsched::cli
