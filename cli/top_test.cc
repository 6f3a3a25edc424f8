#include "cli/top.h"

#include <sstream>

#include "cli/table.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hetsched::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr int64_t kNow = 1'700'000'000'000;

v1::Node* AddNode(v1::ListNodesResponse& r, const std::string& name,
                  const std::string& kind, int n, int allocated) {
  v1::Node* node = r.add_nodes();
  node->mutable_info()->set_name(name);
  for (int i = 0; i < n; ++i) {
    auto* a = node->mutable_info()->add_accelerators();
    a->set_index(i);
    a->set_kind(kind);
  }
  node->set_state(v1::NODE_STATE_READY);
  node->set_accelerators_allocated(allocated);
  return node;
}

v1::Job* AddJob(v1::ListJobsResponse& r, const std::string& id,
                const std::string& queue, v1::JobState state, int64_t submit_ms,
                int count, const std::string& kind) {
  v1::Job* job = r.add_jobs();
  job->set_id(id);
  job->set_state(state);
  job->set_submit_time_ms(submit_ms);
  job->mutable_spec()->set_queue(queue);
  auto* g = job->mutable_spec()->add_task_groups();
  g->set_name("main");
  g->set_replicas(1);
  g->mutable_accelerators()->set_count(count);
  g->mutable_accelerators()->add_kinds(kind);
  if (state == v1::JOB_STATE_RUNNING) {
    auto* t = job->add_tasks();
    t->set_task_group("main");
    t->set_state(v1::TASK_STATE_RUNNING);
    t->set_accelerator_kind(kind);
    for (int i = 0; i < count; ++i) t->add_device_indices(i);
  }
  return job;
}

v1::Queue* AddQueue(v1::ListQueuesResponse& r, const std::string& name,
                    int pending, int running, double oldest_s) {
  v1::Queue* q = r.add_queues();
  q->set_name(name);
  q->set_pending_jobs(pending);
  q->set_running_jobs(running);
  q->set_oldest_pending_age_s(oldest_s);
  return q;
}

void AddKind(v1::Queue* q, const std::string& kind, int used, int nominal) {
  v1::QueueKindUsage* k = q->add_kinds();
  k->set_kind(kind);
  k->set_used(used);
  k->set_nominal(nominal);
}

struct Fleet {
  v1::ListNodesResponse nodes;
  v1::ListQueuesResponse queues;
  v1::ListJobsResponse jobs;

  std::string Render(const std::string& title) const {
    return RenderTop(nodes, queues, jobs, kNow, title, {});
  }
};

Fleet Sample() {
  Fleet f;
  AddNode(f.nodes, "h100-0", "nvidia/h100", 8, 8);
  AddNode(f.nodes, "h100-1", "nvidia/h100", 8, 4);
  v1::Node* bad = AddNode(f.nodes, "trn2-0", "aws/trainium2", 16, 0);
  bad->set_degraded(true);
  bad->set_state(v1::NODE_STATE_DEGRADED);
  bad->set_state_reason(
      "calibration: bf16 GEMM at 0.52 of the catalogue, below the 0.8 "
      "threshold, measured twice in a row");
  AddJob(f.jobs, "job-1", "research", v1::JOB_STATE_RUNNING, kNow - 600'000, 8,
         "nvidia/h100");
  AddJob(f.jobs, "job-2", "prod", v1::JOB_STATE_RUNNING, kNow - 60'000, 4,
         "nvidia/h100");
  v1::Job* waiting = AddJob(f.jobs, "job-3", "research", v1::JOB_STATE_PENDING,
                            kNow - 125'000, 8, "nvidia/h100");
  waiting->set_pending_reason(
      "no node has 8 free nvidia/h100 accelerators; 4 free on h100-1");
  AddJob(f.jobs, "job-4", "research", v1::JOB_STATE_SUCCEEDED, kNow - 900'000,
         1, "nvidia/h100");
  AddQueue(f.queues, "default", 0, 0, 0);
  v1::Queue* prod = AddQueue(f.queues, "prod", 0, 1, 0);
  AddKind(prod, "nvidia/h100", 4, 0);
  v1::Queue* research = AddQueue(f.queues, "research", 1, 1, 125);
  research->set_has_quota(true);
  AddKind(research, "aws/trainium2", 0, 16);
  AddKind(research, "nvidia/h100", 8, 4);
  return f;
}

TEST(RenderTopTest, ShowsAllocationPerKindAndQueue) {
  Fleet f = Sample();
  std::string frame = f.Render("127.0.0.1:7070");
  EXPECT_THAT(frame, HasSubstr("hetsched top  127.0.0.1:7070"));
  EXPECT_THAT(frame, HasSubstr("nvidia/h100    12    16"));
  EXPECT_THAT(frame, HasSubstr("75%"));
  EXPECT_THAT(frame, HasSubstr("aws/trainium2  0     16"));
  // Held / quota per kind for a queue with a quota; idle queues are left out.
  EXPECT_THAT(frame, HasSubstr("research  1        1        2m      "
                               "0/16 aws/trainium2, 8/4 nvidia/h100"));
  EXPECT_THAT(frame,
              HasSubstr("prod      0        1        -       4 nvidia/h100"));
  EXPECT_THAT(frame, Not(HasSubstr("default ")));
}

TEST(RenderTopTest, ListsPendingJobsOldestFirstAndUnwellNodes) {
  Fleet f = Sample();
  AddJob(f.jobs, "job-5", "prod", v1::JOB_STATE_PENDING, kNow - 5'000, 2,
         "nvidia/h100");
  std::string frame = f.Render("s");
  size_t old_job = frame.find("job-3");
  size_t new_job = frame.find("job-5");
  ASSERT_NE(old_job, std::string::npos);
  ASSERT_NE(new_job, std::string::npos);
  EXPECT_LT(old_job, new_job);
  EXPECT_THAT(frame, HasSubstr("degraded or lost nodes"));
  EXPECT_THAT(frame, HasSubstr("trn2-0"));
  EXPECT_THAT(frame, Not(HasSubstr("job-4")));  // ended jobs are not shown
}

TEST(RenderTopTest, EveryLineFitsIn80Columns) {
  Fleet f = Sample();
  for (int i = 0; i < 30; ++i) {
    AddJob(f.jobs, "a-very-long-job-identifier-" + std::to_string(i),
           "a-queue-with-a-long-name", v1::JOB_STATE_PENDING, kNow - i * 1000,
           8, "nvidia/h100")
        ->set_pending_reason(std::string(200, 'x'));
  }
  v1::Queue* wide = AddQueue(f.queues, "a-queue-with-a-long-name", 30, 0, 30);
  wide->set_has_quota(true);
  for (const char* kind : {"nvidia/h100", "nvidia/gb200", "aws/trainium2"}) {
    AddKind(wide, kind, 0, 4096);
  }
  std::string frame = f.Render("scheduler:7070");
  std::istringstream in(frame);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    EXPECT_LE(DisplayWidth(line), 80u) << line;
  }
  EXPECT_THAT(frame, HasSubstr("... and 21 more"));
  EXPECT_LT(lines, 40);
}

TEST(RenderTopTest, SaysSoWhenNothingRuns) {
  std::string frame = Fleet().Render("s");
  EXPECT_THAT(frame, HasSubstr("nodes 0"));
  EXPECT_THAT(frame, HasSubstr("no pending or running jobs"));
}

}  // namespace
}  // namespace hetsched::cli
