// CPU-only task groups (no accelerators): they take one core per replica
// from the nodes' CPU counts, prefer hosts without accelerators, respect
// selectors and providers under every policy, wait when the cores are
// taken and are infeasible only when the cluster could never hold them.
#include <memory>
#include <set>
#include <string>

#include "gtest/gtest.h"
#include "scheduler/core/cost_policy.h"
#include "scheduler/core/first_fit_policy.h"
#include "scheduler/core/hetero_policy.h"
#include "scheduler/core/pack_policy.h"
#include "scheduler/core/scheduler.h"
#include "scheduler/core/test_cluster.h"

namespace hetsched::core {
namespace {

using testing::MakeJob;
using testing::MakeNode;

Node WithCpus(Node n, int cpus) {
  n.cpu_count = cpus;
  return n;
}

// gpu0 (8 x H100, 16 cores), cpu0 and cpu1 (no accelerators, 4 cores each).
Cluster Mixed() {
  Cluster c;
  EXPECT_TRUE(
      c.UpsertNode(WithCpus(MakeNode("gpu0", "nvidia/h100", 8), 16)).ok());
  EXPECT_TRUE(c.UpsertNode(WithCpus(MakeNode("cpu0", "", 0), 4)).ok());
  EXPECT_TRUE(c.UpsertNode(WithCpus(MakeNode("cpu1", "", 0), 4)).ok());
  return c;
}

std::multiset<std::string> NodesOf(const Placement& p) {
  std::multiset<std::string> nodes;
  for (const auto& r : p.replicas) nodes.insert(r.node);
  return nodes;
}

TEST(CpuPlacementTest,
     EveryPolicyPlacesACpuOnlyGroupOnHostsWithoutAccelerators) {
  Cluster c = Mixed();
  std::unique_ptr<PlacementPolicy> policies[] = {
      std::make_unique<FirstFitPolicy>(), std::make_unique<PackPolicy>(),
      std::make_unique<HeteroPolicy>(), std::make_unique<CostPolicy>()};
  for (const auto& policy : policies) {
    PlacementOutcome out = policy->Place(MakeJob("etl", 6, 0), c);
    ASSERT_EQ(out.kind, PlacementOutcome::Kind::kPlaced) << out.reason;
    EXPECT_EQ(NodesOf(out.placement),
              (std::multiset<std::string>{"cpu0", "cpu0", "cpu0", "cpu0",
                                          "cpu1", "cpu1"}));
    for (const auto& r : out.placement.replicas) {
      EXPECT_TRUE(r.devices.empty());
      EXPECT_EQ(r.cpus, kCpusPerCpuReplica);
    }
  }
}

TEST(CpuPlacementTest,
     CoresAreHeldUntilReleasedAndOverflowGoesToAcceleratorHosts) {
  Cluster c = Mixed();
  PlacementOutcome first = PackPolicy().Place(MakeJob("a", 8, 0), c);
  ASSERT_EQ(first.kind, PlacementOutcome::Kind::kPlaced) << first.reason;
  ASSERT_TRUE(c.Allocate("a", first.placement).ok());
  EXPECT_EQ(c.FreeCpus("cpu0"), 0);
  EXPECT_EQ(c.FreeCpus("cpu1"), 0);
  // The CPU hosts are full: the next replicas go to the GPU host's cores,
  // and its accelerators stay free.
  PlacementOutcome second = PackPolicy().Place(MakeJob("b", 2, 0), c);
  ASSERT_EQ(second.kind, PlacementOutcome::Kind::kPlaced) << second.reason;
  EXPECT_EQ(NodesOf(second.placement),
            (std::multiset<std::string>{"gpu0", "gpu0"}));
  ASSERT_TRUE(c.Allocate("b", second.placement).ok());
  EXPECT_EQ(c.FreeCpus("gpu0"), 14);
  EXPECT_EQ(c.FreeAccelerators("gpu0"), 8);
  // 14 cores left in all: 15 replicas wait, they do not fail.
  PlacementOutcome third = PackPolicy().Place(MakeJob("c", 15, 0), c);
  EXPECT_EQ(third.kind, PlacementOutcome::Kind::kWait) << third.reason;
  EXPECT_NE(third.reason.find("CPU cores"), std::string::npos) << third.reason;
  // A node cannot be removed while CPU replicas hold its cores.
  EXPECT_FALSE(c.RemoveNode("cpu0").ok());
  c.Release("a");
  EXPECT_EQ(c.FreeCpus("cpu0"), 4);
  EXPECT_TRUE(c.RemoveNode("cpu0").ok());
}

TEST(CpuPlacementTest, AllocatingMoreCoresThanANodeHasTakesNothing) {
  Cluster c = Mixed();
  Placement p;
  for (int i = 0; i < 5; ++i) p.replicas.push_back({0, i, "cpu0", {}, 1});
  EXPECT_FALSE(c.Allocate("x", p).ok());
  EXPECT_EQ(c.FreeCpus("cpu0"), 4);
  EXPECT_FALSE(c.Holds("x"));
}

TEST(CpuPlacementTest, SelectorsProvidersAndUnknownCoreCountsNarrowTheHosts) {
  Cluster c = Mixed();
  // A node whose agent did not report its cores takes no CPU replica.
  ASSERT_TRUE(c.UpsertNode(WithCpus(MakeNode("cpu2", "", 0), 0)).ok());
  Node labelled = WithCpus(MakeNode("cpu3", "", 0), 2);
  labelled.labels["pool"] = "etl";
  labelled.topology.provider = "gcp";
  ASSERT_TRUE(c.UpsertNode(labelled).ok());

  JobRequest selected = MakeJob("sel", 2, 0);
  selected.groups[0].node_selector["pool"] = "etl";
  PlacementOutcome out = FirstFitPolicy().Place(selected, c);
  ASSERT_EQ(out.kind, PlacementOutcome::Kind::kPlaced) << out.reason;
  EXPECT_EQ(NodesOf(out.placement),
            (std::multiset<std::string>{"cpu3", "cpu3"}));

  JobRequest on_aws = MakeJob("aws", 9, 0);
  on_aws.providers = {"aws"};
  out = FirstFitPolicy().Place(on_aws, c);
  ASSERT_EQ(out.kind, PlacementOutcome::Kind::kPlaced) << out.reason;
  EXPECT_EQ(NodesOf(out.placement).count("cpu2"), 0u);
  EXPECT_EQ(NodesOf(out.placement).count("cpu3"), 0u);

  // Three replicas never fit on two pool=etl cores.
  selected.groups[0].replicas = 3;
  out = FirstFitPolicy().Place(selected, c);
  EXPECT_EQ(out.kind, PlacementOutcome::Kind::kInfeasible);
  EXPECT_NE(out.reason.find("at most 2"), std::string::npos) << out.reason;
}

TEST(CpuPlacementTest, TheSchedulerRunsAMixedJobAndFreesTheCoresWhenItEnds) {
  auto created = Scheduler::Create({});
  ASSERT_TRUE(created.ok());
  Scheduler& s = **created;
  ASSERT_TRUE(s.cluster()
                  .UpsertNode(WithCpus(MakeNode("gpu0", "nvidia/h100", 8), 2))
                  .ok());
  // A trainer on two accelerators and a CPU-only data loader beside it.
  JobRequest mixed = MakeJob("mixed", 1, 2);
  TaskGroupRequest loader;
  loader.name = "loader";
  loader.replicas = 2;
  loader.accelerators_per_replica = 0;
  mixed.groups.push_back(loader);
  ASSERT_TRUE(s.Submit(mixed).ok());
  ASSERT_TRUE(s.Submit(MakeJob("more", 1, 0)).ok());
  auto decisions = s.Schedule(absl::UnixEpoch());
  ASSERT_EQ(decisions.size(), 1u);
  EXPECT_EQ(decisions[0].job_id, "mixed");
  EXPECT_EQ(s.cluster().FreeCpus("gpu0"), 0);
  EXPECT_EQ(s.cluster().FreeAccelerators("gpu0"), 6);
  EXPECT_TRUE(s.IsPending("more"));
  EXPECT_NE(s.PendingReason("more").find("CPU cores"), std::string::npos)
      << s.PendingReason("more");
  s.Remove("mixed");
  decisions = s.Schedule(absl::UnixEpoch() + absl::Seconds(1));
  ASSERT_EQ(decisions.size(), 1u);
  EXPECT_EQ(decisions[0].job_id, "more");
}

}  // namespace
}  // namespace hetsched::core
