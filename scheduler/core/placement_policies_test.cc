// Per-policy behaviour on small hand-made clusters where the right answer
// is known: packing, heterogeneity-aware kind choice, cost, inference.
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "scheduler/core/cost_policy.h"
#include "scheduler/core/hetero_policy.h"
#include "scheduler/core/pack_policy.h"
#include "scheduler/core/test_cluster.h"

namespace hetsched::core {
namespace {

using testing::MakeJob;
using testing::MakeNode;

std::string KindOf(const Cluster& c, const PlacementOutcome& out) {
  EXPECT_EQ(out.kind, PlacementOutcome::Kind::kPlaced) << out.reason;
  if (out.placement.replicas.empty()) return "";
  return c.FindNode(out.placement.replicas[0].node)->accelerator_kind;
}

TEST(PackPolicyTest, SmallJobKeepsWholeUltraserversFree) {
  Cluster c;
  // usA is whole; usB already runs something. A 1-accelerator job goes
  // into usB, leaving usA whole for a gang that needs a whole domain.
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(
        c.UpsertNode(MakeNode(absl::StrCat("a", i), "nvidia/gb200", 4, "usA"))
            .ok());
    ASSERT_TRUE(
        c.UpsertNode(MakeNode(absl::StrCat("b", i), "nvidia/gb200", 4, "usB"))
            .ok());
  }
  Placement busy;
  busy.replicas.push_back({0, 0, "b0", {0, 1, 2, 3}});
  ASSERT_TRUE(c.Allocate("busy", busy).ok());
  PlacementOutcome out = PackPolicy().Place(MakeJob("small", 1, 1), c);
  ASSERT_EQ(out.kind, PlacementOutcome::Kind::kPlaced);
  EXPECT_EQ(out.placement.replicas[0].node, "b1");
  // First fit would have broken usA (a0 comes first by name).
}

TEST(PackPolicyTest, BestFitPrefersTheFullestNode) {
  Cluster c;
  ASSERT_TRUE(c.UpsertNode(MakeNode("a", "nvidia/h100", 8)).ok());
  ASSERT_TRUE(c.UpsertNode(MakeNode("b", "nvidia/h100", 8)).ok());
  Placement busy;
  busy.replicas.push_back({0, 0, "b", {0, 1, 2, 3, 4, 5}});
  ASSERT_TRUE(c.Allocate("busy", busy).ok());
  PlacementOutcome out = PackPolicy().Place(MakeJob("j", 1, 2), c);
  ASSERT_EQ(out.kind, PlacementOutcome::Kind::kPlaced);
  EXPECT_EQ(out.placement.replicas[0].node, "b");
  EXPECT_EQ(out.placement.replicas[0].devices, (std::vector<int>{6, 7}));
}

TEST(PackPolicyTest, InferenceServicePrefersInferenceClassKinds) {
  Cluster c;
  ASSERT_TRUE(c.UpsertNode(MakeNode("h", "nvidia/h100", 8)).ok());
  ASSERT_TRUE(c.UpsertNode(MakeNode("i", "aws/inferentia2", 8)).ok());
  JobRequest job = MakeJob("svc", 1, 1, {"nvidia/h100", "aws/inferentia2"});
  job.kind = JobKind::kInference;
  EXPECT_EQ(KindOf(c, PackPolicy().Place(job, c)), "aws/inferentia2");
  EXPECT_EQ(KindOf(c, HeteroPolicy().Place(job, c)), "aws/inferentia2");
  job.kind = JobKind::kTraining;
  EXPECT_EQ(KindOf(c, PackPolicy().Place(job, c)), "nvidia/h100");
}

TEST(PackPolicyTest, ElasticServiceStartsWithWhatFits) {
  Cluster c;
  ASSERT_TRUE(c.UpsertNode(MakeNode("i", "aws/inferentia2", 2)).ok());
  JobRequest job = MakeJob("svc", 4, 1);
  job.kind = JobKind::kInference;
  job.groups[0].min_replicas = 1;
  PlacementOutcome out = PackPolicy().Place(job, c);
  ASSERT_EQ(out.kind, PlacementOutcome::Kind::kPlaced);
  EXPECT_EQ(out.placement.replicas.size(), 2u);
}

ThroughputModel TwoKindModel() {
  ThroughputModel m;
  m.SetTable(
      {{"transformer",
        {{"nvidia/h100", {{8, 30}}}, {"nvidia/a100", {{8, 10}}}}},
       {"old-cnn", {{"nvidia/h100", {{8, 8}}}, {"nvidia/a100", {{8, 10}}}}}});
  return m;
}

Cluster OneOfEach() {
  Cluster c;
  EXPECT_TRUE(c.UpsertNode(MakeNode("a", "nvidia/a100", 8)).ok());
  EXPECT_TRUE(c.UpsertNode(MakeNode("h", "nvidia/h100", 8)).ok());
  return c;
}

TEST(HeteroPolicyTest, JobFasterOnH100GoesToH100WhenBothAreFree) {
  Cluster c = OneOfEach();
  ThroughputModel m = TwoKindModel();
  PlacementContext ctx;
  ctx.throughput = &m;
  // The job lists A100 first: first fit would take it.
  JobRequest job = MakeJob("j", 1, 8, {"nvidia/a100", "nvidia/h100"});
  job.job_class = "transformer";
  EXPECT_EQ(KindOf(c, HeteroPolicy().Place(job, c, ctx)), "nvidia/h100");
  // Without a table, the catalogue ranks H100 above A100 too.
  EXPECT_EQ(KindOf(c, HeteroPolicy().Place(job, c)), "nvidia/h100");
}

TEST(HeteroPolicyTest, ClassSlowerOnTheNewerKindGoesToTheOlder) {
  Cluster c = OneOfEach();
  ThroughputModel m = TwoKindModel();
  PlacementContext ctx;
  ctx.throughput = &m;
  JobRequest job = MakeJob("j", 1, 8, {"nvidia/h100", "nvidia/a100"});
  job.job_class = "old-cnn";
  EXPECT_EQ(KindOf(c, HeteroPolicy().Place(job, c, ctx)), "nvidia/a100");
}

TEST(HeteroPolicyTest, FasterNodeOfOneKindWins) {
  Cluster c;
  Node slow = MakeNode("a-slow", "nvidia/h100", 8);
  slow.speed_factor = 0.8;
  Node fast = MakeNode("b-fast", "nvidia/h100", 8);
  fast.speed_factor = 1.05;
  ASSERT_TRUE(c.UpsertNode(slow).ok());
  ASSERT_TRUE(c.UpsertNode(fast).ok());
  PlacementOutcome out = HeteroPolicy().Place(MakeJob("j", 1, 8), c);
  ASSERT_EQ(out.kind, PlacementOutcome::Kind::kPlaced);
  EXPECT_EQ(out.placement.replicas[0].node, "b-fast");
}

TEST(HeteroPolicyTest, TableWithoutTheKindMeansItCannotRunThere) {
  Cluster c;
  ASSERT_TRUE(c.UpsertNode(MakeNode("a", "nvidia/a100", 8)).ok());
  ThroughputModel m = TwoKindModel();
  PlacementContext ctx;
  ctx.throughput = &m;
  JobRequest job = MakeJob("j", 1, 4);  // the table has no N=4
  job.job_class = "transformer";
  EXPECT_EQ(HeteroPolicy().Place(job, c, ctx).kind,
            PlacementOutcome::Kind::kInfeasible);
}

TEST(ThroughputModelTest, ObservedRatesCorrectTheEstimate) {
  ThroughputModel m = TwoKindModel();
  EXPECT_DOUBLE_EQ(*m.Estimate("transformer", "nvidia/h100", 8), 30);
  m.Observe("transformer", "nvidia/h100", 8, 1.0, 15);
  EXPECT_DOUBLE_EQ(*m.Estimate("transformer", "nvidia/h100", 8), 15);
  m.Observe("transformer", "nvidia/h100", 8, 1.0, 30);
  EXPECT_NEAR(*m.Estimate("transformer", "nvidia/h100", 8), 18.75, 1e-9);
  EXPECT_FALSE(m.Estimate("transformer", "aws/trainium2", 8).has_value());
  EXPECT_GT(m.Reference("nvidia/h100"), m.Reference("nvidia/a100"));
}

TEST(CostPolicyTest, CheapestKindThatMeetsTheDeadline) {
  Cluster c;
  Node a = MakeNode("a", "nvidia/a100", 8);
  a.price_per_accel_hour = 1;
  Node h = MakeNode("h", "nvidia/h100", 8);
  h.price_per_accel_hour = 4;
  ASSERT_TRUE(c.UpsertNode(a).ok());
  ASSERT_TRUE(c.UpsertNode(h).ok());
  ThroughputModel m = TwoKindModel();
  PlacementContext ctx;
  ctx.throughput = &m;
  JobRequest job = MakeJob("j", 1, 8);
  job.job_class = "transformer";  // 30 steps/s on H100, 10 on A100
  job.total_steps = 36000;        // 20 min on H100, 1 h on A100
  // A100 costs 8/h for 1 h = 8; H100 costs 32/h for 1/3 h ~ 10.7.
  EXPECT_EQ(KindOf(c, CostPolicy().Place(job, c, ctx)), "nvidia/a100");
  job.deadline = absl::UnixEpoch() + absl::Minutes(30);
  EXPECT_EQ(KindOf(c, CostPolicy().Place(job, c, ctx)), "nvidia/h100");
}

}  // namespace
}  // namespace hetsched::core
