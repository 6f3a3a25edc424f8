#include "scheduler/control/usage_report.h"

#include "gtest/gtest.h"

namespace hetsched::control {
namespace {

constexpr int64_t kHour = 3600 * 1000;

// A task of `devices` accelerators on `node` from `start` to `end` (0: it
// still runs).
void AddTask(v1::Job& job, const std::string& node, int devices, int64_t start,
             int64_t end) {
  v1::Task* t = job.add_tasks();
  t->set_node(node);
  t->set_accelerator_kind(node.substr(0, node.find('-')) == "h100"
                              ? "nvidia/h100"
                              : "aws/trainium2");
  for (int i = 0; i < devices; ++i) t->add_device_indices(i);
  t->set_start_time_ms(start);
  t->set_end_time_ms(end);
}

v1::Job MakeJob(const std::string& id, const std::string& owner,
                const std::string& queue) {
  v1::Job job;
  job.set_id(id);
  job.mutable_spec()->set_owner(owner);
  job.mutable_spec()->set_queue(queue);
  return job;
}

class UsageReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    v1::Job a = MakeJob("j-000001", "alice", "research");
    AddTask(a, "h100-0", 8, kHour, 3 * kHour);  // 16 h
    AddTask(a, "h100-1", 8, kHour, 3 * kHour);  // 16 h
    AddTask(a, "h100-1", 8, 0, 0);              // never ran: ignored
    v1::Job b = MakeJob("j-000002", "bob", "");
    AddTask(b, "trn2-0", 16, 2 * kHour, 0);     // still running
    AddTask(b, "trn2-0", 0, kHour, 2 * kHour);  // CPU only: ignored
    jobs_ = {{a.id(), a}, {b.id(), b}};
  }

  v1::GetUsageResponse Usage(const std::string& group_by, int64_t since = 0,
                             int64_t until = 0) {
    v1::GetUsageRequest request;
    request.set_group_by(group_by);
    request.set_since_ms(since);
    request.set_until_ms(until);
    auto usage = ComputeUsage(jobs_, prices_, request, 4 * kHour);
    EXPECT_TRUE(usage.ok()) << usage.status();
    return usage.ok() ? *usage : v1::GetUsageResponse();
  }

  JobMap jobs_;
  std::map<std::string, double> prices_ = {
      {"h100-0", 2.0}, {"h100-1", 3.0}, {"trn2-0", 0.5}};
};

TEST_F(UsageReportTest, OwnersRankedByAcceleratorHoursWithCost) {
  v1::GetUsageResponse usage = Usage("");
  ASSERT_EQ(usage.rows_size(), 2);
  // 32 h each (bob's counted up to now); a tie keeps the keys' order.
  EXPECT_EQ(usage.rows(0).key(), "alice");
  EXPECT_DOUBLE_EQ(usage.rows(0).accelerator_hours(), 32);
  EXPECT_DOUBLE_EQ(usage.rows(0).cost(), 16 * 2.0 + 16 * 3.0);
  EXPECT_EQ(usage.rows(0).jobs(), 1u);
  EXPECT_EQ(usage.rows(1).key(), "bob");
  EXPECT_DOUBLE_EQ(usage.rows(1).accelerator_hours(), 32);
  EXPECT_DOUBLE_EQ(usage.rows(1).cost(), 16);
  EXPECT_DOUBLE_EQ(usage.total_accelerator_hours(), 64);
  EXPECT_EQ(usage.until_ms(), 4 * kHour);
}

TEST_F(UsageReportTest, WindowClipsEveryTask) {
  v1::GetUsageResponse usage = Usage("job", 2 * kHour + kHour / 2, 3 * kHour);
  ASSERT_EQ(usage.rows_size(), 2);
  // Half an hour of each: alice's 16 accelerators, bob's 16.
  EXPECT_DOUBLE_EQ(usage.rows(0).accelerator_hours(), 8);
  EXPECT_DOUBLE_EQ(usage.rows(1).accelerator_hours(), 8);
  EXPECT_DOUBLE_EQ(Usage("job", 3 * kHour, 4 * kHour).total_accelerator_hours(),
                   16);  // only bob ran then
}

TEST_F(UsageReportTest, GroupsByQueueAndKind) {
  v1::GetUsageResponse by_queue = Usage("queue");
  ASSERT_EQ(by_queue.rows_size(), 2);
  EXPECT_EQ(by_queue.rows(0).key(), "default");  // bob's empty queue
  EXPECT_EQ(by_queue.rows(1).key(), "research");
  v1::GetUsageResponse by_kind = Usage("kind");
  ASSERT_EQ(by_kind.rows_size(), 2);
  EXPECT_EQ(by_kind.rows(0).key(), "aws/trainium2");  // 32 h each
  EXPECT_EQ(by_kind.rows(1).key(), "nvidia/h100");
}

TEST_F(UsageReportTest, BadRequestsNameTheField) {
  v1::GetUsageRequest request;
  request.set_group_by("team");
  auto bad = ComputeUsage(jobs_, prices_, request, 0);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(),
            "group_by: must be owner, queue, kind or job, got 'team'");
  request.set_group_by("owner");
  request.set_since_ms(10);
  request.set_until_ms(5);
  EXPECT_EQ(ComputeUsage(jobs_, prices_, request, 0).status().message(),
            "until_ms: must not be before since_ms");
}

}  // namespace
}  // namespace hetsched::control
