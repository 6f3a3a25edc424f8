#include "scheduler/core/first_fit_policy.h"

#include <set>

#include "gtest/gtest.h"
#include "scheduler/core/test_cluster.h"

namespace hetsched::core {
namespace {

using testing::MakeJob;
using testing::MakeNode;

Cluster ThreeHosts() {
  Cluster c;
  EXPECT_TRUE(c.UpsertNode(MakeNode("a100-0", "nvidia/a100", 8)).ok());
  EXPECT_TRUE(c.UpsertNode(MakeNode("h100-0", "nvidia/h100", 8, "us1")).ok());
  EXPECT_TRUE(c.UpsertNode(MakeNode("h100-1", "nvidia/h100", 8, "us1")).ok());
  return c;
}

TEST(FirstFitPolicyTest, GangOfTwoFullHostsSpansTwoNodesOfOneKind) {
  Cluster c = ThreeHosts();
  PlacementOutcome out =
      FirstFitPolicy().Place(MakeJob("j", 2, 8, {"nvidia/h100"}), c);
  ASSERT_EQ(out.kind, PlacementOutcome::Kind::kPlaced);
  ASSERT_EQ(out.placement.replicas.size(), 2u);
  std::set<std::string> nodes;
  for (const auto& r : out.placement.replicas) {
    nodes.insert(r.node);
    EXPECT_EQ(r.devices.size(), 8u);
  }
  EXPECT_EQ(nodes, (std::set<std::string>{"h100-0", "h100-1"}));
}

TEST(FirstFitPolicyTest, PrefersKindsInTheJobsOrder) {
  Cluster c = ThreeHosts();
  PlacementOutcome out = FirstFitPolicy().Place(
      MakeJob("j", 1, 4, {"nvidia/h100", "nvidia/a100"}), c);
  ASSERT_EQ(out.kind, PlacementOutcome::Kind::kPlaced);
  EXPECT_EQ(out.placement.replicas[0].node, "h100-0");
}

TEST(FirstFitPolicyTest, NeverSplitsAGangAcrossKinds) {
  Cluster c = ThreeHosts();
  ASSERT_TRUE(
      c.Allocate("busy", {{{0, 0, "h100-1", {0, 1, 2, 3, 4, 5, 6, 7}}}}).ok());
  // One h100 host and one a100 host are free; a 2-host gang must wait.
  PlacementOutcome out = FirstFitPolicy().Place(
      MakeJob("j", 2, 8, {"nvidia/h100", "nvidia/a100"}), c);
  EXPECT_EQ(out.kind, PlacementOutcome::Kind::kWait);
  EXPECT_FALSE(out.reason.empty());
}

TEST(FirstFitPolicyTest, MoreAcceleratorsThanExistIsInfeasible) {
  Cluster c = ThreeHosts();
  PlacementOutcome out =
      FirstFitPolicy().Place(MakeJob("j", 3, 8, {"nvidia/h100"}), c);
  EXPECT_EQ(out.kind, PlacementOutcome::Kind::kInfeasible);
  EXPECT_NE(out.reason.find("at most 2"), std::string::npos) << out.reason;
  out = FirstFitPolicy().Place(MakeJob("k", 1, 16), c);
  EXPECT_EQ(out.kind, PlacementOutcome::Kind::kInfeasible);
}

TEST(FirstFitPolicyTest, DrainedAndNotReadyNodesGetNothing) {
  Cluster c = ThreeHosts();
  Node drained = *c.FindNode("h100-0");
  drained.drained = true;
  ASSERT_TRUE(c.UpsertNode(drained).ok());
  Node lost = *c.FindNode("h100-1");
  lost.ready = false;
  ASSERT_TRUE(c.UpsertNode(lost).ok());
  PlacementOutcome out = FirstFitPolicy().Place(MakeJob("j", 1, 1), c);
  ASSERT_EQ(out.kind, PlacementOutcome::Kind::kPlaced);
  EXPECT_EQ(out.placement.replicas[0].node, "a100-0");
}

TEST(FirstFitPolicyTest, RequiredUltraserverWaitsRatherThanSplitting) {
  Cluster c;
  ASSERT_TRUE(c.UpsertNode(MakeNode("x0", "nvidia/gb200", 4, "usA")).ok());
  ASSERT_TRUE(c.UpsertNode(MakeNode("x1", "nvidia/gb200", 4, "usA")).ok());
  ASSERT_TRUE(c.UpsertNode(MakeNode("y0", "nvidia/gb200", 4, "usB")).ok());
  Placement busy;
  busy.replicas.push_back({0, 0, "x1", {0}});
  ASSERT_TRUE(c.Allocate("busy", busy).ok());
  JobRequest job = MakeJob("j", 2, 4);
  job.same_ultraserver = TopologyRequirement::kRequired;
  EXPECT_EQ(FirstFitPolicy().Place(job, c).kind, PlacementOutcome::Kind::kWait);
  job.same_ultraserver = TopologyRequirement::kPreferred;
  PlacementOutcome out = FirstFitPolicy().Place(job, c);
  ASSERT_EQ(out.kind, PlacementOutcome::Kind::kPlaced);
  EXPECT_EQ(out.placement.replicas[1].node, "y0");
}

TEST(FirstFitPolicyTest, RequiredUltraserverLargerThanAnyDomainIsInfeasible) {
  Cluster c;
  ASSERT_TRUE(c.UpsertNode(MakeNode("x0", "nvidia/gb200", 4, "usA")).ok());
  ASSERT_TRUE(c.UpsertNode(MakeNode("y0", "nvidia/gb200", 4, "usB")).ok());
  JobRequest job = MakeJob("j", 2, 4);
  job.same_ultraserver = TopologyRequirement::kRequired;
  EXPECT_EQ(FirstFitPolicy().Place(job, c).kind,
            PlacementOutcome::Kind::kInfeasible);
}

TEST(FirstFitPolicyTest, ProviderPinningFiltersNodes) {
  Cluster c = ThreeHosts();
  Node azure = MakeNode("z0", "nvidia/h100", 8);
  azure.topology.provider = "azure";
  ASSERT_TRUE(c.UpsertNode(azure).ok());
  JobRequest job = MakeJob("j", 1, 8, {"nvidia/h100"});
  job.providers = {"azure"};
  PlacementOutcome out = FirstFitPolicy().Place(job, c);
  ASSERT_EQ(out.kind, PlacementOutcome::Kind::kPlaced);
  EXPECT_EQ(out.placement.replicas[0].node, "z0");
}

}  // namespace
}  // namespace hetsched::core
