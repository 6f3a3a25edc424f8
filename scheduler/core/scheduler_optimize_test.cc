// The allocation optimizer's policies (max-min, min-jct, min-makespan,
// min-cost) inside the Scheduler: realization by rounds, kinds by
// comparative advantage, fallback when the solver fails, and the
// invariants every policy keeps (whole gangs, no double booking, quotas
// and provider pins honoured, non-preemptible work never preempted,
// the same decisions for the same input).
#include <map>
#include <random>
#include <set>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "scheduler/core/scheduler.h"
#include "scheduler/core/test_cluster.h"

namespace hetsched::core {
namespace {

using testing::MakeJob;
using testing::MakeNode;

absl::Time At(int s) { return absl::UnixEpoch() + absl::Seconds(s); }

std::unique_ptr<Scheduler> New(const std::string& policy,
                               std::vector<QueueConfig> queues = {}) {
  SchedulerOptions o;
  o.policy = policy;
  o.queues = std::move(queues);
  o.round = absl::Seconds(60);
  o.preemption_grace = absl::ZeroDuration();
  auto s = Scheduler::Create(o);
  EXPECT_TRUE(s.ok()) << s.status();
  return std::move(*s);
}

JobRequest Training(std::string id, int accelerators, int submit_s,
                    std::string job_class = "", double steps = 0) {
  JobRequest j = MakeJob(std::move(id), 1, accelerators);
  j.submit_time = At(submit_s);
  j.preemptible = true;
  j.job_class = std::move(job_class);
  j.total_steps = steps;
  return j;
}

// Kind each placed job got.
std::map<std::string, std::string> KindsOf(const Scheduler& s,
                                           const std::vector<Decision>& ds) {
  std::map<std::string, std::string> kinds;
  for (const auto& d : ds) {
    if (d.type != Decision::Type::kPlace) continue;
    kinds[d.job_id] =
        s.cluster().FindNode(d.placement.replicas[0].node)->accelerator_kind;
  }
  return kinds;
}

class OptimizerPolicyTest : public ::testing::TestWithParam<std::string> {};

TEST_P(OptimizerPolicyTest, ComparativeAdvantageDecidesTheKind) {
  // "lm" gains 4x on the h100, "lstm" nothing: lm gets the h100 node even
  // though lstm was submitted first, and lstm takes the a100 node.
  auto s = New(GetParam());
  ASSERT_TRUE(s->cluster().UpsertNode(MakeNode("a", "nvidia/a100", 8)).ok());
  ASSERT_TRUE(s->cluster().UpsertNode(MakeNode("h", "nvidia/h100", 8)).ok());
  s->SetThroughputTable(
      {{"lm", {{"nvidia/a100", {{8, 1}}}, {"nvidia/h100", {{8, 4}}}}},
       {"lstm", {{"nvidia/a100", {{8, 1}}}, {"nvidia/h100", {{8, 1}}}}}});
  ASSERT_TRUE(s->Submit(Training("lstm", 8, 0, "lstm", 1000)).ok());
  ASSERT_TRUE(s->Submit(Training("lm", 8, 1, "lm", 1000)).ok());
  auto kinds = KindsOf(*s, s->Schedule(At(1)));
  EXPECT_EQ(kinds["lm"], "nvidia/h100");
  EXPECT_EQ(kinds["lstm"], "nvidia/a100");
  EXPECT_EQ(s->stats().solver_fallbacks, 0);
  EXPECT_GE(s->stats().solves, 1);
}

TEST_P(OptimizerPolicyTest, SolverFailureFallsBackAndStillPlaces) {
  SchedulerOptions o;
  o.policy = GetParam();
  o.optimizer_max_iterations = 1;
  auto made = Scheduler::Create(o);
  ASSERT_TRUE(made.ok());
  Scheduler& s = **made;
  ASSERT_TRUE(s.cluster().UpsertNode(MakeNode("a", "nvidia/a100", 8)).ok());
  ASSERT_TRUE(s.cluster().UpsertNode(MakeNode("h", "nvidia/h100", 8)).ok());
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(
        s.Submit(Training(absl::StrCat("j", i), 1 + i % 4, i, "", 100 + i))
            .ok());
  }
  auto ds = s.Schedule(At(50));
  EXPECT_GT(s.stats().solver_fallbacks, 0);
  EXPECT_FALSE(s.stats().last_solver_error.empty());
  EXPECT_FALSE(ds.empty());  // hetero order and placement for the round
}

TEST_P(OptimizerPolicyTest, AnEmptyClusterSolvesToNoTargets) {
  // No node yet (a scheduler before its agents connect): the LP has no
  // kind, the job waits, and the next pass after nodes come places it.
  auto s = New(GetParam());
  ASSERT_TRUE(s->Submit(Training("j", 8, 0, "", 1000)).ok());
  EXPECT_TRUE(s->Schedule(At(1)).empty());
  EXPECT_EQ(s->stats().solves, 1);
  EXPECT_EQ(s->stats().solver_fallbacks, 0);
  ASSERT_TRUE(s->cluster().UpsertNode(MakeNode("h", "nvidia/h100", 8)).ok());
  EXPECT_EQ(KindsOf(*s, s->Schedule(At(2)))["j"], "nvidia/h100");
}

TEST_P(OptimizerPolicyTest, RoundsTimeShareOneKind) {
  // Two single-node jobs on one node: each round the one behind its share
  // takes over, so both have run after a few rounds.
  auto s = New(GetParam());
  ASSERT_TRUE(s->cluster().UpsertNode(MakeNode("h", "nvidia/h100", 8)).ok());
  ASSERT_TRUE(s->Submit(Training("x", 8, 0, "", 0)).ok());
  ASSERT_TRUE(s->Submit(Training("y", 8, 0, "", 0)).ok());
  std::set<std::string> ran;
  for (int t = 0; t <= 600; t += 60) {
    for (int again = 0; again < 3; ++again) {
      bool preempted = false;
      for (const auto& d : s->Schedule(At(t))) {
        if (d.type == Decision::Type::kPlace) ran.insert(d.job_id);
        if (d.type == Decision::Type::kPreempt) {
          s->Requeue(d.job_id, At(t));
          preempted = true;
        }
      }
      if (!preempted) break;
    }
  }
  if (GetParam() == "min-cost" || GetParam() == "max-min" ||
      GetParam() == "min-makespan") {
    EXPECT_EQ(ran, (std::set<std::string>{"x", "y"}));
  }
  EXPECT_FALSE(ran.empty());
}

TEST(OptimizerRealizationTest, MovesAJobToTheKindsOfItsNewAllocation) {
  // lm runs 4x faster on the h100, which a non-preemptible blocker holds:
  // the LP sends lm to the a100. Once the blocker leaves, the next round
  // moves lm to the h100.
  auto s = New("max-min");
  ASSERT_TRUE(s->cluster().UpsertNode(MakeNode("a", "nvidia/a100", 8)).ok());
  ASSERT_TRUE(s->cluster().UpsertNode(MakeNode("h", "nvidia/h100", 8)).ok());
  s->SetThroughputTable(
      {{"lm", {{"nvidia/a100", {{8, 1}}}, {"nvidia/h100", {{8, 4}}}}}});
  JobRequest blocker = MakeJob("blocker", 1, 8, {"nvidia/h100"});
  ASSERT_TRUE(s->Submit(blocker).ok());
  ASSERT_EQ(KindsOf(*s, s->Schedule(At(0)))["blocker"], "nvidia/h100");
  ASSERT_TRUE(s->Submit(Training("lm", 8, 1, "lm", 1e6)).ok());
  ASSERT_EQ(KindsOf(*s, s->Schedule(At(1)))["lm"], "nvidia/a100");
  s->Remove("blocker", At(10));
  EXPECT_TRUE(s->Schedule(At(10)).empty());  // not a round yet
  auto ds = s->Schedule(At(100));
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].type, Decision::Type::kPreempt);
  EXPECT_EQ(ds[0].job_id, "lm");
  EXPECT_EQ(ds[0].reason, "moved to the kinds of its allocation");
  s->Requeue("lm", At(100));
  EXPECT_EQ(KindsOf(*s, s->Schedule(At(100)))["lm"], "nvidia/h100");
}

TEST(OptimizerRealizationTest, NeverMovesNonPreemptibleWork) {
  auto s = New("max-min");
  ASSERT_TRUE(s->cluster().UpsertNode(MakeNode("a", "nvidia/a100", 8)).ok());
  ASSERT_TRUE(s->cluster().UpsertNode(MakeNode("h", "nvidia/h100", 8)).ok());
  s->SetThroughputTable(
      {{"lm", {{"nvidia/a100", {{8, 1}}}, {"nvidia/h100", {{8, 4}}}}}});
  ASSERT_TRUE(s->Submit(MakeJob("blocker", 1, 8, {"nvidia/h100"})).ok());
  s->Schedule(At(0));
  JobRequest lm = Training("lm", 8, 1, "lm", 1e6);
  lm.preemptible = false;
  ASSERT_TRUE(s->Submit(lm).ok());
  ASSERT_EQ(KindsOf(*s, s->Schedule(At(1)))["lm"], "nvidia/a100");
  s->Remove("blocker", At(10));
  for (int t = 60; t <= 600; t += 60) {
    for (const auto& d : s->Schedule(At(t))) {
      EXPECT_NE(d.type, Decision::Type::kPreempt) << d.job_id;
    }
  }
}

// A random workload driven through the scheduler; returns the decisions
// as text, and checks the invariants on the way.
std::string RunRandom(const std::string& policy, uint64_t seed) {
  const std::vector<std::string> kinds = {"nvidia/a100", "nvidia/h100",
                                          "aws/trainium2"};
  std::mt19937_64 gen(seed);
  auto s = New(policy, {{"q", 1, "", {{"nvidia/h100", 8}}}});
  int nodes = absl::Uniform(gen, 3, 12);
  for (int n = 0; n < nodes; ++n) {
    Node node =
        MakeNode(absl::StrCat("n", n), kinds[absl::Uniform(gen, 0u, 3u)],
                 absl::Uniform(gen, 0, 2) ? 8 : 4, absl::StrCat("us", n / 3));
    node.topology.provider = n % 2 ? "aws" : "azure";
    node.price_per_accel_hour = 1 + n % 3;
    EXPECT_TRUE(s->cluster().UpsertNode(node).ok());
  }
  ThroughputTable table;
  for (const char* cls : {"c0", "c1", "c2"}) {
    for (size_t k = 0; k < kinds.size(); ++k) {
      for (int n : {1, 2, 4, 8, 16, 24}) {
        table[cls][kinds[k]][n] = n * (1.0 + (k + cls[1]) % 3);
      }
    }
  }
  s->SetThroughputTable(table);
  std::map<std::string, JobRequest> jobs;
  std::set<std::string> running, preempting;
  std::string log;
  int next = 0;
  for (int step = 0; step < 30; ++step) {
    absl::Time now = At(step * 30);
    for (int k = absl::Uniform(gen, 0, 4); k > 0; --k) {
      JobRequest j =
          MakeJob(absl::StrCat("j", next++), absl::Uniform(gen, 1, 4),
                  1 << absl::Uniform(gen, 0, 4));
      j.submit_time = now;
      j.priority = absl::Uniform(gen, 0, 2);
      j.preemptible = absl::Uniform(gen, 0, 3) != 0;
      j.job_class = absl::StrCat("c", absl::Uniform(gen, 0, 3));
      j.total_steps = absl::Uniform(gen, 100, 10000);
      if (absl::Uniform(gen, 0, 4) == 0) j.queue = "q";
      if (absl::Uniform(gen, 0, 4) == 0) j.providers = {"aws"};
      if (absl::Uniform(gen, 0, 4) == 0) {
        j.deadline = now + absl::Seconds(absl::Uniform(gen, 100, 5000));
      }
      j.same_ultraserver =
          static_cast<TopologyRequirement>(absl::Uniform(gen, 0, 3));
      jobs[j.id] = j;
      EXPECT_TRUE(s->Submit(j).ok());
    }
    for (const auto& d : s->Schedule(now)) {
      const JobRequest& job = jobs.at(d.job_id);
      absl::StrAppend(&log, step,
                      d.type == Decision::Type::kPlace ? " P " : " X ",
                      d.job_id);
      if (d.type == Decision::Type::kPreempt) {
        EXPECT_TRUE(job.preemptible) << d.job_id;
        EXPECT_TRUE(running.count(d.job_id)) << d.job_id;
        EXPECT_TRUE(preempting.insert(d.job_id).second) << d.job_id;
        continue;
      }
      EXPECT_TRUE(running.insert(d.job_id).second) << d.job_id;
      std::map<int, int> replicas;
      for (const auto& r : d.placement.replicas) {
        absl::StrAppend(&log, " ", r.node, ":", absl::StrJoin(r.devices, ","));
        ++replicas[r.group_index];
        EXPECT_EQ(static_cast<int>(r.devices.size()),
                  job.groups[r.group_index].accelerators_per_replica);
        const Node* node = s->cluster().FindNode(r.node);
        if (!job.providers.empty()) {
          EXPECT_EQ(node->topology.provider, "aws") << d.job_id;
        }
      }
      EXPECT_EQ(replicas[0], job.groups[0].replicas) << "partial gang";
      log += "\n";
    }
    // Devices: each held by one running job; queue q within its quota.
    int held = 0, q_h100 = 0;
    for (const auto& [name, node] : s->cluster().nodes()) {
      for (int dev = 0; dev < node.accelerator_count; ++dev) {
        std::string_view h = s->cluster().HolderOf(name, dev);
        if (h.empty()) continue;
        ++held;
        EXPECT_TRUE(running.count(std::string(h))) << h;
        if (jobs.at(std::string(h)).queue == "q" &&
            node.accelerator_kind == "nvidia/h100") {
          ++q_h100;
        }
      }
    }
    EXPECT_EQ(held, s->cluster().AllocatedAccelerators());
    EXPECT_LE(q_h100, 8);
    for (const auto& id : preempting) {
      s->Requeue(id, now);
      running.erase(id);
    }
    preempting.clear();
    for (auto it = running.begin(); it != running.end();) {
      if (absl::Uniform(gen, 0, 5) == 0) {
        s->Remove(*it, now);
        it = running.erase(it);
      } else {
        ++it;
      }
    }
  }
  EXPECT_EQ(s->stats().solver_fallbacks, 0) << s->stats().last_solver_error;
  return log;
}

TEST_P(OptimizerPolicyTest, RandomWorkloadsKeepEveryInvariant) {
  for (uint64_t seed = 1; seed <= 6; ++seed) RunRandom(GetParam(), seed);
}

TEST_P(OptimizerPolicyTest, SameInputSameDecisions) {
  std::string first = RunRandom(GetParam(), 7);
  EXPECT_FALSE(first.empty());
  EXPECT_EQ(first, RunRandom(GetParam(), 7));
}

INSTANTIATE_TEST_SUITE_P(EveryObjective, OptimizerPolicyTest,
                         ::testing::Values("max-min", "min-jct", "min-makespan",
                                           "min-cost"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n) {
                             if (c == '-') c = '_';
                           }
                           return n;
                         });

}  // namespace
}  // namespace hetsched::core
