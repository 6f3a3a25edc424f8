// The invariants every placement policy must keep, as one typed suite:
// placements use free devices only, never book a device twice, place whole
// gangs (every replica, the right size, an accepted kind) or nothing.
#include <map>
#include <random>
#include <set>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "scheduler/core/cost_policy.h"
#include "scheduler/core/first_fit_policy.h"
#include "scheduler/core/hetero_policy.h"
#include "scheduler/core/pack_policy.h"
#include "scheduler/core/test_cluster.h"

namespace hetsched::core {
namespace {

using testing::MakeJob;
using testing::MakeNode;

// Checks `p` against `job` and the cluster before it is committed.
void ExpectWholeGangOnFreeDevices(const JobRequest& job, const Placement& p,
                                  const Cluster& c) {
  std::map<int, int> per_group;
  std::set<std::pair<std::string, int>> seen;
  for (const auto& r : p.replicas) {
    ASSERT_GE(r.group_index, 0);
    ASSERT_LT(r.group_index, static_cast<int>(job.groups.size()));
    const TaskGroupRequest& g = job.groups[r.group_index];
    ++per_group[r.group_index];
    EXPECT_EQ(static_cast<int>(r.devices.size()), g.accelerators_per_replica);
    const Node* node = c.FindNode(r.node);
    ASSERT_NE(node, nullptr);
    if (!g.kinds.empty()) {
      EXPECT_NE(
          std::find(g.kinds.begin(), g.kinds.end(), node->accelerator_kind),
          g.kinds.end());
    }
    for (int d : r.devices) {
      EXPECT_TRUE(c.HolderOf(r.node, d).empty()) << r.node << " " << d;
      EXPECT_TRUE(seen.insert({r.node, d}).second) << "booked twice";
    }
  }
  for (size_t g = 0; g < job.groups.size(); ++g) {
    int want = job.groups[g].min_replicas > 0 ? job.groups[g].min_replicas
                                              : job.groups[g].replicas;
    EXPECT_GE(per_group[g], want) << "partial gang";
    EXPECT_LE(per_group[g], job.groups[g].replicas);
  }
}

template <typename T>
class PlacementPolicyInvariantsTest : public ::testing::Test {};

using Policies =
    ::testing::Types<FirstFitPolicy, PackPolicy, HeteroPolicy, CostPolicy>;
TYPED_TEST_SUITE(PlacementPolicyInvariantsTest, Policies);

TYPED_TEST(PlacementPolicyInvariantsTest, GangIsAllOrNothing) {
  Cluster c;
  ASSERT_TRUE(c.UpsertNode(MakeNode("a", "nvidia/h100", 8)).ok());
  ASSERT_TRUE(c.UpsertNode(MakeNode("b", "nvidia/h100", 8)).ok());
  Placement busy;
  busy.replicas.push_back({0, 0, "b", {0, 1, 2, 3, 4}});
  ASSERT_TRUE(c.Allocate("busy", busy).ok());
  TypeParam policy;
  // Needs 2 x 8: only one whole node is free, so nothing is placed.
  PlacementOutcome out = policy.Place(MakeJob("j", 2, 8), c);
  EXPECT_EQ(out.kind, PlacementOutcome::Kind::kWait);
  EXPECT_TRUE(out.placement.replicas.empty());
  EXPECT_FALSE(out.reason.empty());
  out = policy.Place(MakeJob("k", 1, 8), c);
  ASSERT_EQ(out.kind, PlacementOutcome::Kind::kPlaced);
  EXPECT_EQ(out.placement.replicas[0].node, "a");
}

TYPED_TEST(PlacementPolicyInvariantsTest, TooBigForTheClusterIsInfeasible) {
  Cluster c;
  ASSERT_TRUE(c.UpsertNode(MakeNode("a", "nvidia/h100", 8)).ok());
  EXPECT_EQ(TypeParam().Place(MakeJob("j", 3, 8), c).kind,
            PlacementOutcome::Kind::kInfeasible);
}

TYPED_TEST(PlacementPolicyInvariantsTest, RequiredUltraserverNeverSplits) {
  Cluster c;
  ASSERT_TRUE(c.UpsertNode(MakeNode("x0", "nvidia/gb200", 4, "usA")).ok());
  ASSERT_TRUE(c.UpsertNode(MakeNode("x1", "nvidia/gb200", 4, "usA")).ok());
  ASSERT_TRUE(c.UpsertNode(MakeNode("y0", "nvidia/gb200", 4, "usB")).ok());
  ASSERT_TRUE(c.UpsertNode(MakeNode("y1", "nvidia/gb200", 4, "usB")).ok());
  Placement busy;
  busy.replicas.push_back({0, 0, "x0", {0}});
  busy.replicas.push_back({0, 1, "y1", {0}});
  ASSERT_TRUE(c.Allocate("busy", busy).ok());
  JobRequest job = MakeJob("j", 2, 4);
  job.same_ultraserver = TopologyRequirement::kRequired;
  EXPECT_EQ(TypeParam().Place(job, c).kind, PlacementOutcome::Kind::kWait);
}

// Property: random clusters and job mixes, placements committed one after
// another; no device is booked twice and no gang is partly placed.
TYPED_TEST(PlacementPolicyInvariantsTest, RandomMixesKeepInvariants) {
  const std::vector<std::string> kinds = {"nvidia/a100", "nvidia/h100",
                                          "aws/trainium2", "nvidia/l4"};
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    std::mt19937_64 gen(seed);
    Cluster c;
    int nodes = absl::Uniform(gen, 2, 24);
    for (int n = 0; n < nodes; ++n) {
      Node node =
          MakeNode(absl::StrCat("n", n), kinds[absl::Uniform(gen, 0u, 4u)],
                   absl::Uniform(gen, 0, 3) == 0 ? 4 : 8,
                   absl::Uniform(gen, 0, 2) == 0 ? absl::StrCat("us", n / 3)
                                                 : std::string());
      node.speed_factor = absl::Uniform(gen, 0.8, 1.2);
      node.degraded = absl::Uniform(gen, 0, 10) == 0;
      ASSERT_TRUE(c.UpsertNode(node).ok());
    }
    TypeParam policy;
    for (int j = 0; j < 60; ++j) {
      JobRequest job = MakeJob(absl::StrCat("j", j), absl::Uniform(gen, 1, 5),
                               1 << absl::Uniform(gen, 0, 4));
      if (absl::Uniform(gen, 0, 2) == 0) {
        job.groups[0].kinds = {kinds[absl::Uniform(gen, 0u, 4u)]};
      }
      if (absl::Uniform(gen, 0, 4) == 0) {
        job.groups.push_back({"second", absl::Uniform(gen, 1, 3), 2, {}});
      }
      job.same_ultraserver =
          static_cast<TopologyRequirement>(absl::Uniform(gen, 0, 3));
      if (absl::Uniform(gen, 0, 5) == 0) job.groups[0].min_replicas = 1;
      PlacementOutcome out = policy.Place(job, c);
      if (out.kind != PlacementOutcome::Kind::kPlaced) {
        EXPECT_TRUE(out.placement.replicas.empty());
        continue;
      }
      ExpectWholeGangOnFreeDevices(job, out.placement, c);
      ASSERT_TRUE(c.Allocate(job.id, out.placement).ok()) << "seed " << seed;
      if (absl::Uniform(gen, 0, 3) == 0) {
        c.Release(absl::StrCat("j", absl::Uniform(gen, 0, j + 1)));
      }
    }
    int held = 0;
    for (const auto& [name, node] : c.nodes()) {
      held += node.accelerator_count - c.FreeAccelerators(name);
    }
    EXPECT_EQ(held, c.AllocatedAccelerators());
  }
}

}  // namespace
}  // namespace hetsched::core
