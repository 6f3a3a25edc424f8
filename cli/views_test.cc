#include <sstream>
#include <string>

#include "cli/job_views.h"
#include "cli/node_views.h"
#include "cli/queue_views.h"
#include "cli/usage_views.h"
#include "gtest/gtest.h"

namespace hetsched::cli {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

v1::Job RunningJob() {
  v1::Job job;
  job.set_id("j-1");
  job.set_state(v1::JOB_STATE_RUNNING);
  job.set_replicas_running(1);  // as the scheduler derives it from the tasks
  job.set_submit_time_ms(kNow - 3 * 60'000);
  auto* spec = job.mutable_spec();
  spec->set_name("train-demo");
  spec->set_owner("alice");
  spec->set_queue("default");
  auto* g = spec->add_task_groups();
  g->set_name("workers");
  g->set_replicas(2);
  g->mutable_accelerators()->set_count(8);
  g->add_command("sh");
  for (uint32_t rank : {1u, 0u}) {
    auto* t = job.add_tasks();
    t->set_rank(rank);
    t->set_task_group("workers");
    t->set_state(rank == 0 ? v1::TASK_STATE_RUNNING : v1::TASK_STATE_FAILED);
    t->set_exit_code(rank == 0 ? 0 : 3);
    t->set_node(rank == 0 ? "h100-a" : "h100-b");
    t->set_accelerator_kind("nvidia/h100");
    for (uint32_t d = 0; d < 8; ++d) t->add_device_indices(d);
  }
  auto* e = job.add_events();
  e->set_time_ms(kNow - 60'000);
  e->set_type("PLACED");
  e->set_message("2 replicas on 2 nodes");
  return job;
}

TEST(JobViewsTest, JobsTableShowsOneRowPerJob) {
  google::protobuf::RepeatedPtrField<v1::Job> jobs;
  *jobs.Add() = RunningJob();
  auto* pending = jobs.Add();
  pending->set_id("j-2");
  pending->set_state(v1::JOB_STATE_PENDING);
  pending->set_pending_reason(
      "no node has 64 free accelerators of kind nvidia/h100 in one rack");
  pending->mutable_spec()->set_name("big");
  std::ostringstream out;
  PrintJobsTable(jobs, kNow, out);
  const std::string text = out.str();
  EXPECT_TRUE(Contains(text, "ID   NAME"));
  EXPECT_TRUE(Contains(text, "REASON\n"));
  EXPECT_TRUE(Contains(text, "j-1  train-demo"));
  EXPECT_TRUE(Contains(text, "RUNNING  1/2"));
  EXPECT_TRUE(Contains(text, "2x8 nvidia/h100"));
  EXPECT_TRUE(Contains(text, "3m"));
  // The reason is cut to keep the table narrow.
  EXPECT_TRUE(Contains(text, "no node has 64 free accelerat..."));
}

TEST(JobViewsTest, DescribeListsReplicasByRankWithExitCodesOfEndedOnes) {
  std::ostringstream out;
  PrintJobDescription(RunningJob(), kNow, out);
  const std::string text = out.str();
  EXPECT_TRUE(Contains(text, "RANK  GROUP    STATE    NODE    DEVICES"));
  const size_t rank0 = text.find("0     workers  RUNNING  h100-a");
  const size_t rank1 = text.find("1     workers  FAILED   h100-b");
  ASSERT_NE(rank0, std::string::npos) << text;
  ASSERT_NE(rank1, std::string::npos) << text;
  EXPECT_LT(rank0, rank1);
  EXPECT_TRUE(Contains(text, "nvidia/h100:0-7  -"));
  EXPECT_TRUE(Contains(text, "nvidia/h100:0-7  3"));
  EXPECT_TRUE(Contains(text, "PLACED  -     2 replicas on 2 nodes"));
  EXPECT_TRUE(Contains(text, "Owner:        alice"));
}

TEST(NodeViewsTest, NodesTableShowsUsageTopologyAndHeartbeat) {
  google::protobuf::RepeatedPtrField<v1::Node> nodes;
  auto* n = nodes.Add();
  n->mutable_info()->set_name("h100-a");
  for (int i = 0; i < 8; ++i) {
    n->mutable_info()->add_accelerators()->set_kind("nvidia/h100");
  }
  n->mutable_info()->mutable_topology()->set_provider("aws");
  n->mutable_info()->mutable_topology()->set_ultraserver("use1-us-01");
  n->set_state(v1::NODE_STATE_READY);
  n->set_connected(true);
  n->set_accelerators_allocated(8);
  n->set_last_heartbeat_ms(kNow - 2'000);
  std::ostringstream out;
  PrintNodesTable(nodes, kNow, out);
  EXPECT_TRUE(Contains(out.str(),
                       "h100-a  READY  nvidia/h100  8/8    aws       "
                       "use1-us-01   -     2s"))
      << out.str();
}

TEST(NodeViewsTest, DescribePrettyPrintsCalibration) {
  v1::Node node;
  node.mutable_info()->set_name("h100-a");
  (*node.mutable_info()->mutable_labels())["zone"] = "b";
  node.set_calibration_json(R"({"gemm_tflops":{"bf16":700.5}})");
  node.set_calibrated_at_ms(kNow - 3'600'000);
  std::ostringstream out;
  PrintNodeDescription(node, kNow, out);
  EXPECT_TRUE(Contains(out.str(), "zone=b"));
  EXPECT_TRUE(Contains(out.str(), "(1h ago)"));
  EXPECT_TRUE(Contains(out.str(), "      \"bf16\": 700.5")) << out.str();
  EXPECT_EQ(PrettyCalibration("not json"), "not json");
}

TEST(QueueViewsTest, QueuesTableHasARowPerKindAndDashesWithoutQuota) {
  google::protobuf::RepeatedPtrField<v1::Queue> queues;
  v1::Queue* plain = queues.Add();
  plain->set_name("default");
  plain->set_weight(1);
  v1::Queue* research = queues.Add();
  research->set_name("research");
  research->set_weight(2);
  research->set_cohort("lab");
  research->set_has_quota(true);
  research->set_pending_jobs(1);
  research->set_waiting_for_dependencies(3);
  research->set_running_jobs(2);
  research->set_oldest_pending_age_s(180);
  v1::QueueKindUsage* trn = research->add_kinds();
  trn->set_kind("aws/trainium2");
  trn->set_nominal(16);
  v1::QueueKindUsage* h100 = research->add_kinds();
  h100->set_kind("nvidia/h100");
  h100->set_nominal(8);
  h100->set_used(16);
  h100->set_borrowed(8);
  std::ostringstream out;
  PrintQueuesTable(queues, out);
  EXPECT_EQ(out.str(),
            "QUEUE     WEIGHT  COHORT  PENDING  DEPS  RUNNING  OLDEST  "
            "KIND           QUOTA  USED  BORROWED\n"
            "default   1       -       0        0     0        -       "
            "-              -      0     0\n"
            "research  2       lab     1        3     2        3m      "
            "aws/trainium2  16     0     0\n"
            "                                                          "
            "nvidia/h100    8      16    8\n");
}

TEST(UsageViewsTest, UsageTableRanksKeysAndEndsWithTheTotal) {
  v1::GetUsageResponse usage;
  usage.set_since_ms(kNow - 24 * 3'600'000);
  usage.set_until_ms(kNow);
  v1::UsageRow* alice = usage.add_rows();
  alice->set_key("alice");
  alice->set_jobs(3);
  alice->set_accelerator_hours(128.5);
  alice->set_cost(257);
  v1::UsageRow* bob = usage.add_rows();
  bob->set_key("bob");
  bob->set_jobs(1);
  bob->set_accelerator_hours(2);
  bob->set_cost(1);
  usage.set_total_accelerator_hours(130.5);
  usage.set_total_cost(258);
  std::ostringstream out;
  PrintUsageTable(usage, "owner", kNow, out);
  EXPECT_TRUE(Contains(out.str(), "(1d ago) to ")) << out.str();
  EXPECT_TRUE(Contains(out.str(),
                       "OWNER  JOBS  ACCEL-HOURS  COST\n"
                       "alice  3     128.50       257.00\n"
                       "bob    1     2.00         1.00\n"
                       "TOTAL        130.50       258.00\n"))
      << out.str();
}

}  // namespace
}  // namespace hetsched::cli
