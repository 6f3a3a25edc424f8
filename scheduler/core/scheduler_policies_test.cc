// Scheduler-level policies on hand-made clusters: backfill, preemption,
// queues (quota, cohort borrowing and reclaim, DRF) and LAS rounds.
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "scheduler/core/scheduler.h"
#include "scheduler/core/test_cluster.h"

namespace hetsched::core {
namespace {

using testing::MakeJob;
using testing::MakeNode;

absl::Time At(int s) { return absl::UnixEpoch() + absl::Seconds(s); }

std::unique_ptr<Scheduler> New(const std::string& policy, int nodes = 1,
                               std::vector<QueueConfig> queues = {}) {
  SchedulerOptions o;
  o.policy = policy;
  o.queues = std::move(queues);
  o.round = absl::Seconds(60);
  auto s = Scheduler::Create(o);
  EXPECT_TRUE(s.ok()) << s.status();
  for (int i = 0; i < nodes; ++i) {
    EXPECT_TRUE(
        (*s)->cluster()
            .UpsertNode(MakeNode(absl::StrCat("n", i), "nvidia/h100", 8))
            .ok());
  }
  return std::move(*s);
}

JobRequest Job(std::string id, int replicas, int per, int submit_s,
               int max_runtime_s = 0, int priority = 0,
               bool preemptible = false) {
  JobRequest j = MakeJob(std::move(id), replicas, per, {}, priority);
  j.submit_time = At(submit_s);
  j.max_runtime = absl::Seconds(max_runtime_s);
  j.preemptible = preemptible;
  return j;
}

std::vector<std::string> Ids(const std::vector<Decision>& ds,
                             Decision::Type type) {
  std::vector<std::string> ids;
  for (const auto& d : ds) {
    if (d.type == type) ids.push_back(d.job_id);
  }
  return ids;
}
using Strings = std::vector<std::string>;

// R runs until t=100 at the latest; H needs the whole node, so it is
// reserved to start at t=100. Only S2, which ends by t=60, may use the
// free half now; S1 (until t=210) and S3 (no limit) would delay H.
void SubmitBackfillCase(Scheduler& s) {
  ASSERT_TRUE(s.Submit(Job("R", 1, 4, 0, 100)).ok());
  ASSERT_EQ(s.Schedule(At(0)).size(), 1u);
  ASSERT_TRUE(s.Submit(Job("H", 1, 8, 10)).ok());
  ASSERT_TRUE(s.Submit(Job("S1", 1, 4, 11, 200)).ok());
  ASSERT_TRUE(s.Submit(Job("S3", 1, 4, 12)).ok());
  ASSERT_TRUE(s.Submit(Job("S2", 1, 4, 13, 50)).ok());
}

TEST(BackfillTest, NeverDelaysTheReservation) {
  auto s = New("priority");
  SubmitBackfillCase(*s);
  EXPECT_EQ(Ids(s->Schedule(At(10)), Decision::Type::kPlace), Strings{"S2"});
  EXPECT_NE(s->PendingReason("H").find("reserved"), std::string::npos);
  EXPECT_EQ(s->stats().backfilled, 1);
  // Nothing ahead of H's reservation: when R and S2 end, H starts.
  s->Remove("R", At(60));
  s->Remove("S2", At(60));
  EXPECT_EQ(Ids(s->Schedule(At(60)), Decision::Type::kPlace), Strings{"H"});
}

TEST(BackfillTest, GreedyWithoutBackfillDelaysTheHead) {
  auto s = New("priority+nobackfill");
  SubmitBackfillCase(*s);
  EXPECT_EQ(Ids(s->Schedule(At(10)), Decision::Type::kPlace), Strings{"S1"});
}

TEST(BackfillTest, StrictFifoBlocksEverythingBehindTheHead) {
  auto s = New("fifo");
  SubmitBackfillCase(*s);
  EXPECT_TRUE(s->Schedule(At(10)).empty());
}

TEST(PreemptionTest, PicksTheMinimalVictimSet) {
  auto s = New("priority");
  ASSERT_TRUE(s->Submit(Job("a", 1, 2, 0, 0, 1, true)).ok());
  ASSERT_TRUE(s->Submit(Job("b", 1, 2, 1, 0, 1, true)).ok());
  ASSERT_TRUE(s->Submit(Job("c", 1, 4, 2, 0, 1, true)).ok());
  ASSERT_EQ(s->Schedule(At(0)).size(), 3u);
  ASSERT_TRUE(s->Submit(Job("high", 1, 4, 5, 0, 5)).ok());
  auto d = s->Schedule(At(5));
  // One victim (c) rather than two (a and b).
  EXPECT_EQ(Ids(d, Decision::Type::kPreempt), Strings{"c"});
  EXPECT_EQ(d[0].preemptor, "high");
  EXPECT_EQ(d[0].grace, absl::Seconds(30));
  // The victim keeps its accelerators and gets no second kPreempt.
  EXPECT_TRUE(s->IsPreempting("c"));
  EXPECT_TRUE(s->cluster().Holds("c"));
  EXPECT_TRUE(s->Schedule(At(6)).empty());
  s->Requeue("c", At(20));
  EXPECT_EQ(Ids(s->Schedule(At(20)), Decision::Type::kPlace), Strings{"high"});
  EXPECT_TRUE(s->IsPending("c"));
}

TEST(PreemptionTest, PreemptsWholeGangs) {
  auto s = New("priority", 2);
  ASSERT_TRUE(s->Submit(Job("gang", 2, 8, 0, 0, 0, true)).ok());
  ASSERT_EQ(s->Schedule(At(0)).size(), 1u);
  ASSERT_TRUE(s->Submit(Job("high", 1, 8, 1, 0, 3)).ok());
  EXPECT_EQ(Ids(s->Schedule(At(1)), Decision::Type::kPreempt), Strings{"gang"});
  s->Requeue("gang", At(2));
  EXPECT_EQ(s->cluster().AllocatedAccelerators(), 0);
  EXPECT_EQ(Ids(s->Schedule(At(2)), Decision::Type::kPlace), Strings{"high"});
}

TEST(PreemptionTest, NeverTakesNonPreemptibleOrEqualPriorityWork) {
  auto s = New("priority", 2);
  ASSERT_TRUE(s->Submit(Job("pinned", 1, 8, 0, 0, 0, false)).ok());
  ASSERT_TRUE(s->Submit(Job("peer", 1, 8, 1, 0, 5, true)).ok());
  ASSERT_EQ(s->Schedule(At(0)).size(), 2u);
  ASSERT_TRUE(s->Submit(Job("high", 1, 8, 2, 0, 5)).ok());
  EXPECT_TRUE(s->Schedule(At(2)).empty());
  EXPECT_TRUE(s->IsPending("high"));
}

TEST(PreemptionTest, FifoNeverPreempts) {
  auto s = New("fifo");
  ASSERT_TRUE(s->Submit(Job("low", 1, 8, 0, 0, 0, true)).ok());
  ASSERT_EQ(s->Schedule(At(0)).size(), 1u);
  ASSERT_TRUE(s->Submit(Job("high", 1, 8, 1, 0, 9)).ok());
  EXPECT_TRUE(s->Schedule(At(1)).empty());
}

std::vector<QueueConfig> Cohort() {
  return {{"a", 1, "c", {{"nvidia/h100", 8}}},
          {"b", 1, "c", {{"nvidia/h100", 8}}}};
}

TEST(QueueTest, CohortBorrowingIsReclaimed) {
  auto s = New("fair+preempt", 2, Cohort());
  JobRequest b1 = Job("b1", 1, 8, 0, 0, 0, true);
  b1.queue = "b";
  JobRequest b2 = Job("b2", 1, 8, 1, 0, 0, true);  // borrows a's quota
  b2.queue = "b";
  ASSERT_TRUE(s->Submit(b1).ok());
  ASSERT_TRUE(s->Submit(b2).ok());
  ASSERT_EQ(s->Schedule(At(0)).size(), 2u);
  JobRequest a1 = Job("a1", 1, 8, 5);
  a1.queue = "a";
  ASSERT_TRUE(s->Submit(a1).ok());
  EXPECT_EQ(Ids(s->Schedule(At(5)), Decision::Type::kPreempt), Strings{"b2"});
  s->Requeue("b2", At(6));
  EXPECT_EQ(Ids(s->Schedule(At(6)), Decision::Type::kPlace), Strings{"a1"});
  // b is back at its quota and may not borrow while a uses its own.
  EXPECT_NE(s->PendingReason("b2").find("quota"), std::string::npos);
}

TEST(QueueTest, NonPreemptibleWorkDoesNotBorrow) {
  auto s = New("fair", 2, Cohort());
  JobRequest b1 = Job("b1", 1, 8, 0);
  b1.queue = "b";
  JobRequest b2 = Job("b2", 1, 8, 1);
  b2.queue = "b";
  ASSERT_TRUE(s->Submit(b1).ok());
  ASSERT_TRUE(s->Submit(b2).ok());
  EXPECT_EQ(Ids(s->Schedule(At(0)), Decision::Type::kPlace), Strings{"b1"});
}

TEST(QueueTest, DominantResourceFairnessSplitsBetweenQueues) {
  auto s = New("fair");
  for (int i = 0; i < 8; ++i) {
    JobRequest a = Job(absl::StrCat("a", i), 1, 1, i);
    a.queue = "a";
    JobRequest b = Job(absl::StrCat("b", i), 1, 1, 100 + i);
    b.queue = "b";
    ASSERT_TRUE(s->Submit(a).ok());
    ASSERT_TRUE(s->Submit(b).ok());
  }
  auto placed = Ids(s->Schedule(At(200)), Decision::Type::kPlace);
  int from_a = 0;
  for (const auto& id : placed) from_a += id[0] == 'a';
  EXPECT_EQ(placed.size(), 8u);
  EXPECT_EQ(from_a, 4);
  // Without fairness the older queue takes everything.
  auto p = New("priority+nobackfill");
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(p->Submit(Job(absl::StrCat("a", i), 1, 1, i)).ok());
    ASSERT_TRUE(p->Submit(Job(absl::StrCat("b", i), 1, 1, 100 + i)).ok());
  }
  for (const auto& id : Ids(p->Schedule(At(200)), Decision::Type::kPlace)) {
    EXPECT_EQ(id[0], 'a');
  }
}

TEST(RoundsTest, LeastAttainedServiceRotatesAfterARound) {
  auto s = New("hetero+las");
  ASSERT_TRUE(s->Submit(Job("x", 1, 8, 0, 0, 0, true)).ok());
  ASSERT_EQ(s->Schedule(At(0)).size(), 1u);
  ASSERT_TRUE(s->Submit(Job("y", 1, 8, 10, 0, 0, true)).ok());
  EXPECT_TRUE(s->Schedule(At(10)).empty());  // x has not run a round yet
  EXPECT_EQ(Ids(s->Schedule(At(70)), Decision::Type::kPreempt), Strings{"x"});
  s->Requeue("x", At(70));
  EXPECT_EQ(Ids(s->Schedule(At(70)), Decision::Type::kPlace), Strings{"y"});
}

TEST(RoundsTest, AChangedPriorityKeepsTheServiceAJobAttained) {
  auto s = New("hetero+las");
  ASSERT_TRUE(s->Submit(Job("x", 1, 8, 0, 0, 0, true)).ok());
  ASSERT_EQ(s->Schedule(At(0)).size(), 1u);
  ASSERT_TRUE(s->Submit(Job("y", 1, 8, 10, 0, 0, true)).ok());
  EXPECT_EQ(Ids(s->Schedule(At(70)), Decision::Type::kPreempt), Strings{"x"});
  s->Requeue("x", At(70));  // x ran 70 s; y runs now
  EXPECT_EQ(Ids(s->Schedule(At(70)), Decision::Type::kPlace), Strings{"y"});
  ASSERT_TRUE(s->Submit(Job("z", 1, 8, 80, 0, 0, true)).ok());
  // Both raised alike: x must still wait behind z, which has run nothing
  // (x's earlier submission would put it first if its service were lost).
  ASSERT_TRUE(s->SetPriority("x", 5).ok());
  ASSERT_TRUE(s->SetPriority("z", 5).ok());
  EXPECT_EQ(s->SetPriority("nope", 5).code(), absl::StatusCode::kNotFound);
  s->Remove("y", At(90));
  EXPECT_EQ(Ids(s->Schedule(At(90)), Decision::Type::kPlace), Strings{"z"});
}

TEST(PolicyConfigTest, NamesAndModifiers) {
  auto c = ParsePolicy("hetero");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->fair && c->preempt && c->backfill);
  EXPECT_EQ(c->placement, "hetero");
  c = ParsePolicy("fifo+backfill+hetero");
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->strict);
  EXPECT_EQ(c->placement, "hetero");
  EXPECT_FALSE(ParsePolicy("magic").ok());
  EXPECT_FALSE(ParsePolicy("fifo+magic").ok());
  EXPECT_EQ(SchedulerOptions().policy, "hetero");
}

}  // namespace
}  // namespace hetsched::core
