// Property test: for random clusters and job mixes under every policy, the
// scheduler never books an accelerator twice, never places part of a gang,
// never preempts non-preemptible work, and follows the preemption
// protocol. Seeded, so every run checks the same cases.
#include <map>
#include <random>
#include <set>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "scheduler/core/scheduler.h"
#include "scheduler/core/test_cluster.h"

namespace hetsched::core {
namespace {

using testing::MakeNode;

class SchedulerPropertyTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SchedulerPropertyTest, NoDoubleBookingNoPartialGang) {
  const std::vector<std::string> kinds = {"nvidia/a100", "nvidia/h100",
                                          "aws/trainium2"};
  long placed = 0, preempted = 0;
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    std::mt19937_64 gen(seed);
    SchedulerOptions o;
    o.policy = GetParam();
    o.round = absl::Seconds(50);
    o.queues = {{"a", 2, "c", {{"nvidia/h100", 16}}},
                {"b", 1, "c", {{"nvidia/h100", 8}}}};
    auto made = Scheduler::Create(o);
    ASSERT_TRUE(made.ok()) << made.status();
    Scheduler& s = **made;
    int nodes = absl::Uniform(gen, 3, 16);
    for (int n = 0; n < nodes; ++n) {
      ASSERT_TRUE(s.cluster()
                      .UpsertNode(MakeNode(absl::StrCat("n", n),
                                           kinds[absl::Uniform(gen, 0u, 3u)],
                                           absl::Uniform(gen, 0, 2) ? 8 : 4,
                                           absl::StrCat("us", n / 4)))
                      .ok());
    }
    std::map<std::string, JobRequest> jobs;
    std::set<std::string> running, preempting;
    int next = 0;
    for (int step = 0; step < 40; ++step) {
      absl::Time now = absl::UnixEpoch() + absl::Seconds(step * 10);
      for (int k = absl::Uniform(gen, 0, 5); k > 0; --k) {
        JobRequest j;
        j.id = absl::StrCat("j", next++);
        j.submit_time = now;
        j.priority = absl::Uniform(gen, 0, 3);
        j.preemptible = absl::Uniform(gen, 0, 2) == 0;
        j.queue = absl::Uniform(gen, 0, 3) == 0 ? "a" : "b";
        if (absl::Uniform(gen, 0, 2)) j.max_runtime = absl::Seconds(60);
        j.same_ultraserver =
            static_cast<TopologyRequirement>(absl::Uniform(gen, 0, 3));
        j.groups.push_back(
            {"w", absl::Uniform(gen, 1, 4), 1 << absl::Uniform(gen, 0, 4), {}});
        if (absl::Uniform(gen, 0, 3) == 0) {
          j.groups[0].kinds = {kinds[absl::Uniform(gen, 0u, 3u)]};
        }
        jobs[j.id] = j;
        ASSERT_TRUE(s.Submit(j).ok());
      }
      for (const auto& d : s.Schedule(now)) {
        const JobRequest& job = jobs.at(d.job_id);
        if (d.type == Decision::Type::kPreempt) {
          EXPECT_TRUE(job.preemptible) << d.job_id;
          EXPECT_TRUE(running.count(d.job_id)) << d.job_id;
          EXPECT_TRUE(preempting.insert(d.job_id).second)
              << "second kPreempt for " << d.job_id;
          ++preempted;
          continue;
        }
        EXPECT_TRUE(running.insert(d.job_id).second);
        ++placed;
        int replicas = 0;
        for (const auto& r : d.placement.replicas) {
          ++replicas;
          EXPECT_EQ(static_cast<int>(r.devices.size()),
                    job.groups[0].accelerators_per_replica);
        }
        EXPECT_EQ(replicas, job.groups[0].replicas) << "partial gang";
      }
      // Every held device belongs to exactly one running job.
      int held = 0;
      for (const auto& [name, node] : s.cluster().nodes()) {
        for (int dev = 0; dev < node.accelerator_count; ++dev) {
          std::string_view h = s.cluster().HolderOf(name, dev);
          if (h.empty()) continue;
          ++held;
          EXPECT_TRUE(running.count(std::string(h))) << h;
        }
      }
      EXPECT_EQ(held, s.cluster().AllocatedAccelerators());
      // Finish some, let preempted ones stop.
      for (auto it = preempting.begin(); it != preempting.end();) {
        if (absl::Uniform(gen, 0, 2)) {
          s.Requeue(*it, now);
          running.erase(*it);
          it = preempting.erase(it);
        } else {
          ++it;
        }
      }
      for (auto it = running.begin(); it != running.end();) {
        if (!preempting.count(*it) && absl::Uniform(gen, 0, 4) == 0) {
          s.Remove(*it, now);
          it = running.erase(it);
        } else {
          ++it;
        }
      }
    }
  }
  EXPECT_GT(placed, 100);  // the property held over real work
  const bool preempts = GetParam() != "fifo" && GetParam() != "first-fit" &&
                        GetParam() != "fair" && GetParam() != "fifo+backfill";
  EXPECT_EQ(preempted > 0, preempts) << preempted;
}

INSTANTIATE_TEST_SUITE_P(
    EveryPolicy, SchedulerPropertyTest,
    ::testing::Values("first-fit", "fifo", "priority", "fair", "hetero", "cost",
                      "hetero+las", "fifo+backfill", "fair+preempt+hetero",
                      "max-min", "min-jct", "min-makespan", "min-cost"),
    [](const auto& info) {
      std::string n = info.param;
      for (char& c : n) {
        if (c == '+' || c == '-') c = '_';
      }
      return n;
    });

}  // namespace
}  // namespace hetsched::core
