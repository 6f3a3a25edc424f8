#include "scheduler/control/queue_summary.h"

#include <gtest/gtest.h>

namespace hetsched::control {
namespace {

JobBrief Job(std::string queue, v1::JobState state, int64_t submit_ms,
             std::map<std::string, int> allocated = {}) {
  JobBrief b;
  b.id = queue + "-" + std::to_string(submit_ms);
  b.queue = std::move(queue);
  b.state = state;
  b.submit_time_ms = submit_ms;
  b.allocated_by_kind = std::move(allocated);
  return b;
}

const v1::Queue* Find(const std::vector<v1::Queue>& queues,
                      const std::string& name) {
  for (const v1::Queue& q : queues) {
    if (q.name() == name) return &q;
  }
  return nullptr;
}

TEST(QueueSummaryTest, DefaultQueueIsAlwaysListed) {
  ClusterSnapshot s;
  s.taken_at = absl::FromUnixMillis(10'000);
  std::vector<v1::Queue> queues = SummarizeQueues(s);
  ASSERT_EQ(queues.size(), 1u);
  EXPECT_EQ(queues[0].name(), "default");
  EXPECT_FALSE(queues[0].configured());
  EXPECT_FALSE(queues[0].has_quota());
  EXPECT_EQ(queues[0].weight(), 1);
  EXPECT_EQ(queues[0].kinds_size(), 0);
}

TEST(QueueSummaryTest, CountsJobsAndOldestPendingAge) {
  ClusterSnapshot s;
  s.taken_at = absl::FromUnixMillis(100'000);
  JobBrief held = Job("research", v1::JOB_STATE_PENDING, 1'000);
  held.waiting_for_dependencies = true;  // older, but not in the queue
  s.jobs = {
      held, Job("research", v1::JOB_STATE_PENDING, 40'000),
      Job("research", v1::JOB_STATE_PENDING, 90'000),
      Job("research", v1::JOB_STATE_RUNNING, 10'000, {{"nvidia/h100", 8}}),
      Job("research", v1::JOB_STATE_SUCCEEDED, 5'000)};
  std::vector<v1::Queue> queues = SummarizeQueues(s);
  const v1::Queue* research = Find(queues, "research");
  ASSERT_NE(research, nullptr);
  EXPECT_EQ(research->pending_jobs(), 2u);
  EXPECT_EQ(research->waiting_for_dependencies(), 1u);
  EXPECT_EQ(research->running_jobs(), 1u);
  EXPECT_DOUBLE_EQ(research->oldest_pending_age_s(), 60.0);
  ASSERT_EQ(research->kinds_size(), 1);
  EXPECT_EQ(research->kinds(0).kind(), "nvidia/h100");
  EXPECT_EQ(research->kinds(0).used(), 8u);
  EXPECT_EQ(research->kinds(0).borrowed(), 0u);  // no quota: nothing lent
  ASSERT_NE(Find(queues, "default"), nullptr);
  EXPECT_EQ(queues.front().name(), "default");  // sorted by name
}

TEST(QueueSummaryTest, QuotaUseBeyondNominalIsBorrowed) {
  ClusterSnapshot s;
  s.taken_at = absl::FromUnixMillis(0);
  core::QueueConfig prod;
  prod.name = "prod";
  prod.weight = 3;
  prod.cohort = "lab";
  prod.nominal_quota = {{"nvidia/h100", 8}, {"aws/trainium2", 16}};
  s.queue_configs = {prod};
  s.jobs = {Job("prod", v1::JOB_STATE_RUNNING, 0, {{"nvidia/h100", 12}}),
            Job("prod", v1::JOB_STATE_RUNNING, 0, {{"nvidia/b200", 4}})};
  std::vector<v1::Queue> queues = SummarizeQueues(s);
  const v1::Queue* q = Find(queues, "prod");
  ASSERT_NE(q, nullptr);
  EXPECT_TRUE(q->configured());
  EXPECT_TRUE(q->has_quota());
  EXPECT_EQ(q->weight(), 3);
  EXPECT_EQ(q->cohort(), "lab");
  ASSERT_EQ(q->kinds_size(), 3);  // the quota's kinds and the held one
  EXPECT_EQ(q->kinds(0).kind(), "aws/trainium2");
  EXPECT_EQ(q->kinds(0).nominal(), 16u);
  EXPECT_EQ(q->kinds(0).used(), 0u);
  EXPECT_EQ(q->kinds(1).kind(), "nvidia/b200");  // no quota for it: all lent
  EXPECT_EQ(q->kinds(1).nominal(), 0u);
  EXPECT_EQ(q->kinds(1).borrowed(), 4u);
  EXPECT_EQ(q->kinds(2).kind(), "nvidia/h100");
  EXPECT_EQ(q->kinds(2).used(), 12u);
  EXPECT_EQ(q->kinds(2).borrowed(), 4u);
  EXPECT_EQ(q->running_jobs(), 2u);
}

}  // namespace
}  // namespace hetsched::control
