#include "scheduler/control/convert.h"

#include "gtest/gtest.h"

namespace hetsched::control {
namespace {

TEST(ConvertTest, JobSpecBecomesCoreRequest) {
  v1::Job job;
  job.set_id("j-000001");
  job.set_submit_time_ms(5000);
  auto* spec = job.mutable_spec();
  spec->set_priority(7);
  spec->set_preemptible(true);
  spec->add_providers("aws");
  spec->mutable_topology()->set_same_ultraserver(
      v1::TOPOLOGY_REQUIREMENT_REQUIRED);
  auto* g = spec->add_task_groups();
  g->set_name("w");
  g->set_replicas(2);
  g->mutable_accelerators()->set_count(8);
  g->mutable_accelerators()->add_kinds("nvidia/h100");
  core::JobRequest r = ToJobRequest(job);
  EXPECT_EQ(r.id, "j-000001");
  EXPECT_EQ(r.queue, "default");
  EXPECT_EQ(r.priority, 7);
  EXPECT_TRUE(r.preemptible);
  EXPECT_EQ(r.same_ultraserver, core::TopologyRequirement::kRequired);
  EXPECT_EQ(r.submit_time, absl::FromUnixMillis(5000));
  ASSERT_EQ(r.groups.size(), 1u);
  EXPECT_EQ(r.TotalAccelerators(), 16);
  EXPECT_EQ(r.groups[0].kinds[0], "nvidia/h100");
}

TEST(ConvertTest, NodeReadinessComesFromConnectionAndState) {
  v1::Node n;
  n.mutable_info()->set_name("a");
  n.mutable_info()->add_accelerators()->set_kind("aws/trainium2");
  n.mutable_info()->mutable_topology()->set_ultraserver("us-1");
  EXPECT_FALSE(ToCoreNode(n).ready);
  n.set_connected(true);
  EXPECT_TRUE(ToCoreNode(n).ready);
  EXPECT_EQ(ToCoreNode(n).accelerator_kind, "aws/trainium2");
  EXPECT_EQ(ToCoreNode(n).topology.ultraserver, "us-1");
  n.set_state(v1::NODE_STATE_LOST);
  EXPECT_FALSE(ToCoreNode(n).ready);
}

TEST(ConvertTest, StateNamesDropEnumPrefixes) {
  EXPECT_EQ(JobStateName(v1::JOB_STATE_RUNNING), "RUNNING");
  EXPECT_EQ(TaskStateName(v1::TASK_STATE_LOST), "LOST");
  for (int s = v1::TASK_STATE_PENDING; s <= v1::TASK_STATE_LOST; ++s) {
    auto state = static_cast<v1::TaskState>(s);
    EXPECT_EQ(ToApiTaskState(ToCoreTaskState(state)), state);
  }
}

TEST(ConvertTest, HostOfStripsThePort) {
  EXPECT_EQ(HostOf("127.0.0.1:4000"), "127.0.0.1");
  EXPECT_EQ(HostOf("[::1]:4000"), "::1");
  EXPECT_EQ(HostOf("node-7"), "node-7");
}

}  // namespace
}  // namespace hetsched::control
