// Host memory as a placement resource: a replica that asks for
// memory_bytes takes them from its node's memory under every policy, so a
// node holds only as many such replicas as its memory allows, whatever
// devices it has free; memory is held until released, a group no accepted
// node could ever hold is infeasible, and a node that does not report its
// memory does not count it.
#include <cstdint>
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

constexpr uint64_t kGiB = uint64_t{1} << 30;

Node WithMemory(Node n, uint64_t bytes, int cpus = 0) {
  n.memory_bytes = bytes;
  n.cpu_count = cpus;
  return n;
}

JobRequest AskingMemory(const std::string& id, int replicas, int per_replica,
                        uint64_t bytes) {
  JobRequest job = MakeJob(id, replicas, per_replica);
  job.groups[0].memory_bytes_per_replica = bytes;
  return job;
}

std::multiset<std::string> NodesOf(const Placement& p) {
  std::multiset<std::string> nodes;
  for (const auto& r : p.replicas) nodes.insert(r.node);
  return nodes;
}

TEST(MemoryPlacementTest,
     EveryPolicySpreadsReplicasTheMemoryOfOneNodeCannotHold) {
  std::unique_ptr<PlacementPolicy> policies[] = {
      std::make_unique<FirstFitPolicy>(), std::make_unique<PackPolicy>(),
      std::make_unique<HeteroPolicy>(), std::make_unique<CostPolicy>()};
  for (const auto& policy : policies) {
    Cluster c;
    ASSERT_TRUE(
        c.UpsertNode(WithMemory(MakeNode("a", "nvidia/h100", 8), 256 * kGiB))
            .ok());
    ASSERT_TRUE(
        c.UpsertNode(WithMemory(MakeNode("b", "nvidia/h100", 8), 256 * kGiB))
            .ok());
    // Four replicas of one device each would fit on one node's devices,
    // but its memory holds two.
    PlacementOutcome out =
        policy->Place(AskingMemory("j", 4, 1, 100 * kGiB), c);
    ASSERT_EQ(out.kind, PlacementOutcome::Kind::kPlaced) << out.reason;
    EXPECT_EQ(NodesOf(out.placement),
              (std::multiset<std::string>{"a", "a", "b", "b"}));
    for (const auto& r : out.placement.replicas) {
      EXPECT_EQ(r.memory_bytes, 100 * kGiB);
    }
  }
}

TEST(MemoryPlacementTest, MemoryIsHeldUntilReleased) {
  Cluster c;
  ASSERT_TRUE(
      c.UpsertNode(WithMemory(MakeNode("a", "nvidia/h100", 8), 256 * kGiB))
          .ok());
  PlacementOutcome first =
      PackPolicy().Place(AskingMemory("x", 1, 1, 200 * kGiB), c);
  ASSERT_EQ(first.kind, PlacementOutcome::Kind::kPlaced) << first.reason;
  ASSERT_TRUE(c.Allocate("x", first.placement).ok());
  EXPECT_EQ(c.FreeMemory("a"), 56 * kGiB);
  // Seven devices are free, the memory is not: it waits, not infeasible.
  PlacementOutcome second =
      PackPolicy().Place(AskingMemory("y", 1, 1, 100 * kGiB), c);
  EXPECT_EQ(second.kind, PlacementOutcome::Kind::kWait) << second.reason;
  EXPECT_NE(second.reason.find("each replica of workers needs 107374182400 "
                               "bytes of host memory free on its node"),
            std::string::npos)
      << second.reason;
  // A job that asks for no memory still uses the free devices.
  EXPECT_EQ(PackPolicy().Place(MakeJob("z", 1, 7), c).kind,
            PlacementOutcome::Kind::kPlaced);
  c.Release("x");
  EXPECT_EQ(c.FreeMemory("a"), 256 * kGiB);
  EXPECT_EQ(PackPolicy().Place(AskingMemory("y", 1, 1, 100 * kGiB), c).kind,
            PlacementOutcome::Kind::kPlaced);
}

TEST(MemoryPlacementTest, AllocatingMoreMemoryThanANodeHasTakesNothing) {
  Cluster c;
  ASSERT_TRUE(
      c.UpsertNode(WithMemory(MakeNode("a", "nvidia/h100", 8), 64 * kGiB))
          .ok());
  Placement p;
  p.replicas.push_back({0, 0, "a", {0}, 0, 40 * kGiB});
  p.replicas.push_back({0, 1, "a", {1}, 0, 40 * kGiB});
  EXPECT_FALSE(c.Allocate("x", p).ok());
  EXPECT_FALSE(c.Holds("x"));
  EXPECT_EQ(c.FreeMemory("a"), 64 * kGiB);
  EXPECT_EQ(c.FreeAccelerators("a"), 8);
}

TEST(MemoryPlacementTest, WhatAlreadyRunsIsRestoredPastANodeThatShrank) {
  auto created = Scheduler::Create({});
  ASSERT_TRUE(created.ok()) << created.status();
  Scheduler& s = **created;
  // The agent now reports less memory than the replicas it runs hold.
  ASSERT_TRUE(
      s.cluster()
          .UpsertNode(WithMemory(MakeNode("a", "nvidia/h100", 8), 64 * kGiB))
          .ok());
  Placement p;
  p.replicas.push_back({0, 0, "a", {0}, 0, 100 * kGiB});
  ASSERT_TRUE(s.Restore(AskingMemory("x", 1, 1, 100 * kGiB), p).ok());
  EXPECT_EQ(s.cluster().FreeMemory("a"), 0u);
  EXPECT_EQ(s.cluster().FreeAccelerators("a"), 7);
}

TEST(MemoryPlacementTest, AGroupNoNodeCouldHoldIsInfeasibleNamingTheSizes) {
  Cluster c;
  ASSERT_TRUE(
      c.UpsertNode(WithMemory(MakeNode("a", "nvidia/h100", 8), 64 * kGiB))
          .ok());
  ASSERT_TRUE(
      c.UpsertNode(WithMemory(MakeNode("cpu", "", 0), 512 * kGiB, 4)).ok());
  // The big host has no GPU: a GPU group cannot use its memory.
  PlacementOutcome out =
      FirstFitPolicy().Place(AskingMemory("j", 1, 1, 100 * kGiB), c);
  EXPECT_EQ(out.kind, PlacementOutcome::Kind::kInfeasible);
  EXPECT_EQ(out.reason,
            "task group workers asks 107374182400 bytes of memory per replica; "
            "the largest node it accepts has 68719476736");
  // A CPU-only group can.
  EXPECT_EQ(FirstFitPolicy().Place(AskingMemory("k", 1, 0, 100 * kGiB), c).kind,
            PlacementOutcome::Kind::kPlaced);
}

TEST(MemoryPlacementTest, ANodeThatDoesNotReportItsMemoryDoesNotCountIt) {
  Cluster c;
  ASSERT_TRUE(c.UpsertNode(MakeNode("a", "nvidia/h100", 8)).ok());
  PlacementOutcome out =
      PackPolicy().Place(AskingMemory("j", 8, 1, 1024 * kGiB), c);
  ASSERT_EQ(out.kind, PlacementOutcome::Kind::kPlaced) << out.reason;
  ASSERT_TRUE(c.Allocate("j", out.placement).ok());
  EXPECT_EQ(c.FreeMemory("a"), UINT64_MAX);
}

}  // namespace
}  // namespace hetsched::core
