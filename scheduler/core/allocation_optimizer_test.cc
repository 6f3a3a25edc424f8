#include "scheduler/core/allocation_optimizer.h"

#include <cmath>

#include "gtest/gtest.h"

namespace hetsched::core {
namespace {

AllocationJob Job(int g, std::vector<double> rate, double remaining = 0) {
  AllocationJob j;
  j.accelerators = g;
  j.rate = std::move(rate);
  j.remaining_steps = remaining;
  return j;
}

// sum_j g_j x[j][k] for kind k.
double Used(const AllocationProblem& p, const Allocation& a, size_t k) {
  double used = 0;
  for (size_t j = 0; j < p.jobs.size(); ++j) {
    used += p.jobs[j].accelerators * a.x[j][k];
  }
  return used;
}

TEST(AllocationOptimizerTest, ParsesTheFourObjectiveNames) {
  EXPECT_EQ(*ParseAllocationObjective("max-min"), AllocationObjective::kMaxMin);
  EXPECT_EQ(*ParseAllocationObjective("min-jct"), AllocationObjective::kMinJct);
  EXPECT_EQ(*ParseAllocationObjective("min-makespan"),
            AllocationObjective::kMinMakespan);
  EXPECT_EQ(*ParseAllocationObjective("min-cost"),
            AllocationObjective::kMinCost);
  EXPECT_FALSE(ParseAllocationObjective("fastest").ok());
}

TEST(AllocationOptimizerTest, MaxMinSplitsOneKindEvenlyWithinCapacity) {
  AllocationProblem p;
  p.kinds = {"nvidia/h100"};
  p.capacity = {1};
  for (int i = 0; i < 3; ++i) p.jobs.push_back(Job(1, {2.0}));
  auto a = SolveAllocation(p, AllocationObjective::kMaxMin);
  ASSERT_TRUE(a.ok()) << a.status();
  for (int j = 0; j < 3; ++j) EXPECT_NEAR(a->x[j][0], 1.0 / 3, 1e-6);
  EXPECT_LE(Used(p, *a, 0), 1 + 1e-9);
}

TEST(AllocationOptimizerTest, MaxMinCountsWholeGangsAgainstCapacity) {
  // A gang of 8 and a single on 8 accelerators: the single runs all the
  // time (its share is 1 accelerator), the gang gets the 7/8 left over.
  AllocationProblem p;
  p.kinds = {"nvidia/h100"};
  p.capacity = {8};
  p.jobs = {Job(8, {1.0}), Job(1, {1.0})};
  auto a = SolveAllocation(p, AllocationObjective::kMaxMin);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_NEAR(a->x[0][0], 7.0 / 8, 1e-6);
  EXPECT_NEAR(a->x[1][0], 1.0, 1e-6);
  EXPECT_LE(Used(p, *a, 0), 8 + 1e-9);
}

TEST(AllocationOptimizerTest, MaxMinTradesKindsByComparativeAdvantage) {
  // A runs 4x faster on the fast kind, B only 2x: both reach 0.7 of their
  // best rate with A 0.6 on fast, B 0.6 on slow (worked out by hand).
  AllocationProblem p;
  p.kinds = {"fast", "slow"};
  p.capacity = {1, 1};
  p.jobs = {Job(1, {4, 1}), Job(1, {2, 1})};
  auto a = SolveAllocation(p, AllocationObjective::kMaxMin);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_NEAR(a->x[0][0] + a->x[0][1] / 4, 0.7, 1e-6);
  EXPECT_NEAR(a->x[1][0] + a->x[1][1] / 2, 0.7, 1e-6);
  EXPECT_NEAR(a->x[0][0], 0.6, 1e-6);
  EXPECT_NEAR(a->x[1][1], 0.6, 1e-6);
}

TEST(AllocationOptimizerTest, MinMakespanGivesTheFractionalLowerBound) {
  // 300 accelerator-seconds of work on 2 accelerators: 150 s.
  AllocationProblem p;
  p.kinds = {"nvidia/a100"};
  p.capacity = {2};
  for (int i = 0; i < 3; ++i) p.jobs.push_back(Job(1, {1.0}, 100));
  auto a = SolveAllocation(p, AllocationObjective::kMinMakespan);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_NEAR(a->makespan_bound_s, 150, 1e-6);
  // One job alone cannot go faster than its best kind: 400 s.
  p.jobs.push_back(Job(1, {1.0}, 400));
  a = SolveAllocation(p, AllocationObjective::kMinMakespan);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_NEAR(a->makespan_bound_s, 400, 1e-6);
  EXPECT_LE(Used(p, *a, 0), 2 + 1e-9);
}

TEST(AllocationOptimizerTest, MinMakespanUsesBothKindsOfAHeterogeneousPair) {
  // Job A: 120 steps at 2/s fast or 1/s slow; job B: 60 steps at 1/s on
  // either. All on fast would take 120; B on slow and A on fast: 60 s.
  AllocationProblem p;
  p.kinds = {"fast", "slow"};
  p.capacity = {1, 1};
  p.jobs = {Job(1, {2, 1}, 120), Job(1, {1, 1}, 60)};
  auto a = SolveAllocation(p, AllocationObjective::kMinMakespan);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_NEAR(a->makespan_bound_s, 60, 1e-6);
  EXPECT_NEAR(a->x[0][0], 1, 1e-6);
  EXPECT_NEAR(a->x[1][1], 1, 1e-6);
}

TEST(AllocationOptimizerTest, MinJctRunsTheShortestRemainingWorkFirst) {
  // Smith's rule on one kind: the 10 s job gets the accelerator, the
  // 1,000 s job waits for it.
  AllocationProblem p;
  p.kinds = {"nvidia/h100"};
  p.capacity = {1};
  p.jobs = {Job(1, {1.0}, 1000), Job(1, {1.0}, 10)};
  auto a = SolveAllocation(p, AllocationObjective::kMinJct);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_NEAR(a->x[0][0], 0, 1e-6);
  EXPECT_NEAR(a->x[1][0], 1, 1e-6);
}

TEST(AllocationOptimizerTest, MinJctTakesAttainedServiceForUnknownWork) {
  // No total_steps: D = attained + 60 (5060 and 70), so the job that has
  // run least goes first, as under least attained service.
  AllocationProblem p;
  p.kinds = {"nvidia/h100"};
  p.capacity = {1};
  p.jobs = {Job(1, {1.0}), Job(1, {1.0})};
  p.jobs[0].attained_s = 5000;
  p.jobs[1].attained_s = 10;
  auto a = SolveAllocation(p, AllocationObjective::kMinJct);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_NEAR(a->x[0][0], 0, 1e-6);
  EXPECT_NEAR(a->x[1][0], 1, 1e-6);
}

TEST(AllocationOptimizerTest, MinJctGivesTheFastKindToTheJobThatGainsFromIt) {
  // Job 0 runs 3x faster on "fast"; job 1, half its work, runs the same
  // on both. 0.5 x 1 + 1 x 1 (job 0 fast, job 1 slow) beats
  // 1 x 1 + 0.5 x 1/3: the longer job gets the fast kind, the short one
  // loses nothing on the slow kind.
  AllocationProblem p;
  p.kinds = {"fast", "slow"};
  p.capacity = {1, 1};
  p.jobs = {Job(1, {3, 1}, 300), Job(1, {1, 1}, 50)};
  auto a = SolveAllocation(p, AllocationObjective::kMinJct);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_NEAR(a->x[0][0], 1, 1e-6);
  EXPECT_NEAR(a->x[1][1], 1, 1e-6);
}

TEST(AllocationOptimizerTest, MinCostKeepsNinetyPercentOfTheFairRate) {
  // Alone, the job's max-min rate is 1 (all of the pricey kind). Keeping
  // 0.9 of it at least cost: 0.8 pricey (4/h) + 0.2 cheap (1/h).
  AllocationProblem p;
  p.kinds = {"pricey", "cheap"};
  p.capacity = {2, 2};
  p.cost_per_hour = {4, 1};
  p.jobs = {Job(1, {2, 1})};
  auto a = SolveAllocation(p, AllocationObjective::kMinCost);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_NEAR(a->x[0][0], 0.8, 1e-6);
  EXPECT_NEAR(a->x[0][1], 0.2, 1e-6);
}

TEST(AllocationOptimizerTest, MinCostMeetsALooseDeadlineOnTheCheapKind) {
  // 100 steps in 1000 s needs 0.1 steps/s: a tenth of the cheap kind.
  AllocationProblem p;
  p.kinds = {"pricey", "cheap"};
  p.capacity = {2, 2};
  p.cost_per_hour = {4, 1};
  p.jobs = {Job(1, {2, 1}, 100)};
  p.jobs[0].deadline_s = 1000;
  auto a = SolveAllocation(p, AllocationObjective::kMinCost);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_NEAR(a->x[0][0], 0, 1e-6);
  EXPECT_NEAR(a->x[0][1], 0.1, 1e-6);
}

TEST(AllocationOptimizerTest, JobsThatFitNowhereGetNothing) {
  AllocationProblem p;
  p.kinds = {"nvidia/h100", "nvidia/a100"};
  p.capacity = {8, 4};
  p.jobs = {Job(16, {1, 1}), Job(8, {0, 1}), Job(2, {1, 0})};
  auto a = SolveAllocation(p, AllocationObjective::kMaxMin);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->x[0][0] + a->x[0][1], 0);
  EXPECT_EQ(a->x[1][0] + a->x[1][1], 0);
  EXPECT_NEAR(a->x[2][0], 1, 1e-6);
}

TEST(AllocationOptimizerTest, PartitionsKeepTotalCapacity) {
  AllocationProblem p;
  p.kinds = {"fast", "slow"};
  p.capacity = {6, 6};
  p.partition_jobs = 5;
  for (int i = 0; i < 20; ++i) {
    p.jobs.push_back(Job(1 + i % 2, {1.0 + i % 3, 1.0}, 100 + i));
  }
  for (auto objective :
       {AllocationObjective::kMaxMin, AllocationObjective::kMinJct,
        AllocationObjective::kMinMakespan, AllocationObjective::kMinCost}) {
    auto a = SolveAllocation(p, objective);
    ASSERT_TRUE(a.ok()) << a.status();
    EXPECT_EQ(a->partitions, 4);
    EXPECT_LE(Used(p, *a, 0), 6 + 1e-6);
    EXPECT_LE(Used(p, *a, 1), 6 + 1e-6);
    for (const auto& row : a->x) EXPECT_LE(row[0] + row[1], 1 + 1e-9);
  }
}

TEST(AllocationOptimizerTest, SolverLimitIsAnErrorForTheCallerToFallBackOn) {
  AllocationProblem p;
  p.kinds = {"a", "b", "c"};
  p.capacity = {5, 5, 5};
  p.max_iterations = 1;
  for (int i = 0; i < 60; ++i) {
    p.jobs.push_back(Job(1 + i % 3, {1.0 + i % 5, 2.0 + i % 7, 0.5 + i % 2}));
  }
  auto a = SolveAllocation(p, AllocationObjective::kMaxMin);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), absl::StatusCode::kInternal);
}

TEST(AllocationOptimizerTest, MalformedInputIsInvalidArgument) {
  AllocationProblem p;
  p.kinds = {"a"};
  p.capacity = {1};
  p.jobs = {Job(1, {1, 2})};
  EXPECT_EQ(SolveAllocation(p, AllocationObjective::kMaxMin).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace hetsched::core
