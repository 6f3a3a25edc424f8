#include "scheduler/core/cluster.h"

#include "gtest/gtest.h"
#include "scheduler/core/test_cluster.h"

namespace hetsched::core {
namespace {

using testing::MakeNode;

Placement OneReplica(std::string node, std::vector<int> devices) {
  Placement p;
  p.replicas.push_back({0, 0, std::move(node), std::move(devices)});
  return p;
}

TEST(ClusterTest, AllocateTakesDevicesAndReleaseFreesThem) {
  Cluster c;
  ASSERT_TRUE(c.UpsertNode(MakeNode("n1", "nvidia/h100", 8)).ok());
  ASSERT_TRUE(c.Allocate("j1", OneReplica("n1", {0, 1, 2})).ok());
  EXPECT_EQ(c.FreeAccelerators("n1"), 5);
  EXPECT_EQ(c.HolderOf("n1", 1), "j1");
  EXPECT_EQ(c.AllocatedAccelerators(), 3);
  c.Release("j1");
  EXPECT_EQ(c.FreeAccelerators("n1"), 8);
  EXPECT_FALSE(c.Holds("j1"));
}

TEST(ClusterTest, AllocateIsAllOrNothing) {
  Cluster c;
  ASSERT_TRUE(c.UpsertNode(MakeNode("n1", "nvidia/h100", 8)).ok());
  ASSERT_TRUE(c.Allocate("j1", OneReplica("n1", {3})).ok());
  Placement p = OneReplica("n1", {0, 1});
  p.replicas.push_back({0, 1, "n1", {3}});  // taken by j1
  EXPECT_EQ(c.Allocate("j2", p).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(c.FreeAccelerators("n1"), 7);
  EXPECT_FALSE(c.Holds("j2"));
}

TEST(ClusterTest, RejectsDoubleBookingWithinOnePlacement) {
  Cluster c;
  ASSERT_TRUE(c.UpsertNode(MakeNode("n1", "nvidia/h100", 8)).ok());
  Placement p = OneReplica("n1", {0});
  p.replicas.push_back({0, 1, "n1", {0}});
  EXPECT_FALSE(c.Allocate("j", p).ok());
  EXPECT_FALSE(c.Allocate("j", OneReplica("n1", {8})).ok());
  EXPECT_FALSE(c.Allocate("j", OneReplica("nope", {0})).ok());
}

TEST(ClusterTest, ShrinkingBelowAllocationFails) {
  Cluster c;
  ASSERT_TRUE(c.UpsertNode(MakeNode("n1", "nvidia/h100", 8)).ok());
  ASSERT_TRUE(c.Allocate("j1", OneReplica("n1", {7})).ok());
  EXPECT_FALSE(c.UpsertNode(MakeNode("n1", "nvidia/h100", 4)).ok());
  EXPECT_FALSE(c.RemoveNode("n1").ok());
  c.Release("j1");
  EXPECT_TRUE(c.UpsertNode(MakeNode("n1", "nvidia/h100", 4)).ok());
  EXPECT_TRUE(c.RemoveNode("n1").ok());
  EXPECT_EQ(c.FindNode("n1"), nullptr);
}

}  // namespace
}  // namespace hetsched::core
