// Node selectors in placement: every policy places a group only on nodes
// carrying its selector's labels, inside an ultraserver too, and says why
// when no node ever could.
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "scheduler/core/first_fit_policy.h"
#include "scheduler/core/pack_policy.h"
#include "scheduler/core/scheduler.h"
#include "scheduler/core/test_cluster.h"

namespace hetsched::core {
namespace {

using testing::MakeJob;
using testing::MakeNode;

// a0..a3 (pool=a) and b0..b3 (pool=b), 8 x H100 each; a* in ultraserver
// usA, b* in usB.
Cluster TwoPools() {
  Cluster c;
  for (int i = 0; i < 4; ++i) {
    for (const char* pool : {"a", "b"}) {
      Node n = MakeNode(absl::StrCat(pool, i), "nvidia/h100", 8,
                        absl::StrCat("us", pool));
      n.labels["pool"] = pool;
      EXPECT_TRUE(c.UpsertNode(n).ok());
    }
  }
  return c;
}

JobRequest InPool(const std::string& pool, int replicas, int per_replica) {
  JobRequest job = MakeJob("j", replicas, per_replica);
  job.groups[0].node_selector["pool"] = pool;
  return job;
}

std::set<std::string> NodesOf(const PlacementOutcome& out) {
  std::set<std::string> nodes;
  for (const auto& r : out.placement.replicas) nodes.insert(r.node);
  return nodes;
}

TEST(NodeSelectorTest, FirstFitAndPackPlaceOnlyOnMatchingNodes) {
  Cluster c = TwoPools();
  // Name order and best fit would both start at a0.
  PlacementOutcome first = FirstFitPolicy().Place(InPool("b", 3, 8), c);
  ASSERT_EQ(first.kind, PlacementOutcome::Kind::kPlaced) << first.reason;
  EXPECT_EQ(NodesOf(first), (std::set<std::string>{"b0", "b1", "b2"}));
  PlacementOutcome pack = PackPolicy().Place(InPool("b", 2, 4), c);
  ASSERT_EQ(pack.kind, PlacementOutcome::Kind::kPlaced) << pack.reason;
  for (const auto& node : NodesOf(pack)) EXPECT_EQ(node[0], 'b') << node;
}

TEST(NodeSelectorTest, AGangThatFitsOnlyOutsideTheSelectorWaits) {
  Cluster c = TwoPools();
  Placement busy;
  for (int i = 0; i < 3; ++i) {
    busy.replicas.push_back(
        {0, i, absl::StrCat("b", i), {0, 1, 2, 3, 4, 5, 6, 7}});
  }
  ASSERT_TRUE(c.Allocate("busy", busy).ok());
  // 4 pool-a nodes are free, but the job wants two whole pool-b nodes.
  PlacementOutcome out = PackPolicy().Place(InPool("b", 2, 8), c);
  EXPECT_EQ(out.kind, PlacementOutcome::Kind::kWait) << out.reason;
}

TEST(NodeSelectorTest, RequiredUltraserverStaysInsideTheSelector) {
  Cluster c = TwoPools();
  JobRequest job = InPool("b", 4, 8);
  job.same_ultraserver = TopologyRequirement::kRequired;
  PlacementOutcome out = PackPolicy().Place(job, c);
  ASSERT_EQ(out.kind, PlacementOutcome::Kind::kPlaced) << out.reason;
  EXPECT_EQ(NodesOf(out), (std::set<std::string>{"b0", "b1", "b2", "b3"}));
}

TEST(NodeSelectorTest, NoMatchingCapacityIsInfeasibleWithTheReason) {
  Cluster c = TwoPools();
  PlacementOutcome none = PackPolicy().Place(InPool("c", 1, 1), c);
  EXPECT_EQ(none.kind, PlacementOutcome::Kind::kInfeasible);
  EXPECT_NE(none.reason.find("on nodes with pool=c"), std::string::npos)
      << none.reason;
  // Pool b holds 4 replicas of 8, never 5, though the cluster holds 8.
  PlacementOutcome big = PackPolicy().Place(InPool("b", 5, 8), c);
  EXPECT_EQ(big.kind, PlacementOutcome::Kind::kInfeasible);
  EXPECT_NE(big.reason.find("can hold at most 4"), std::string::npos)
      << big.reason;
}

TEST(NodeSelectorTest, JobsAlikeButForTheSelectorDoNotShareAFailure) {
  auto s = Scheduler::Create({});
  ASSERT_TRUE(s.ok());
  Node a = MakeNode("a", "nvidia/h100", 8);
  a.labels["pool"] = "a";
  ASSERT_TRUE((*s)->cluster().UpsertNode(a).ok());
  // Same shape otherwise: the pass must not skip the second because the
  // first (which no node matches) failed.
  JobRequest nowhere = InPool("z", 1, 8);
  nowhere.id = "nowhere";
  JobRequest here = InPool("a", 1, 8);
  here.id = "here";
  here.submit_time = nowhere.submit_time + absl::Seconds(1);
  ASSERT_TRUE((*s)->Submit(nowhere).ok());
  ASSERT_TRUE((*s)->Submit(here).ok());
  auto decisions = (*s)->Schedule(absl::UnixEpoch() + absl::Seconds(2));
  ASSERT_EQ(decisions.size(), 1u);
  EXPECT_EQ(decisions[0].job_id, "here");
}

}  // namespace
}  // namespace hetsched::core
