// The daemon's solver thread: a scheduling pass never waits for a solve,
// applies the solution at a later pass, and a failed solve falls back.
#include "scheduler/control/background_allocation_solver.h"

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "gtest/gtest.h"
#include "scheduler/core/scheduler.h"
#include "scheduler/core/test_cluster.h"

namespace hetsched::control {
namespace {

using core::testing::MakeJob;
using core::testing::MakeNode;

absl::Time At(int s) { return absl::UnixEpoch() + absl::Seconds(s); }

// Polls `done` until it holds or 30 s pass.
template <typename F>
bool Eventually(F done) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// A solve that waits until the test opens the gate.
struct Gate {
  std::promise<void> open;
  std::shared_future<void> opened = open.get_future().share();
  std::atomic<int> solves{0};
  BackgroundAllocationSolver::SolveFn Fn() {
    return
        [this](const core::AllocationProblem& p, core::AllocationObjective o) {
          ++solves;
          opened.wait();
          return core::SolveAllocation(p, o);
        };
  }
};

core::AllocationRequest Request(const std::string& job) {
  core::AllocationRequest r;
  r.problem.kinds = {"nvidia/h100"};
  r.problem.capacity = {1};
  core::AllocationJob j;
  j.rate = {1};
  r.problem.jobs = {j};
  r.job_ids = {job};
  return r;
}

std::unique_ptr<core::Scheduler> OptimizingScheduler(
    std::shared_ptr<core::AllocationSolver> solver) {
  core::SchedulerOptions o;
  o.policy = "max-min";
  o.round = absl::Seconds(60);
  o.allocation_solver = std::move(solver);
  auto s = core::Scheduler::Create(o);
  EXPECT_TRUE(s.ok()) << s.status();
  auto& c = (*s)->cluster();
  EXPECT_TRUE(c.UpsertNode(MakeNode("a", "nvidia/a100", 8)).ok());
  EXPECT_TRUE(c.UpsertNode(MakeNode("h", "nvidia/h100", 8)).ok());
  for (const char* id : {"j1", "j2"}) {
    core::JobRequest job = MakeJob(id, 1, 8);
    job.preemptible = true;
    job.total_steps = 1000;
    EXPECT_TRUE((*s)->Submit(job).ok());
  }
  return std::move(*s);
}

TEST(BackgroundAllocationSolverTest, ThePassPlacesWhileTheSolveRuns) {
  Gate gate;
  auto solver = std::make_shared<BackgroundAllocationSolver>(gate.Fn());
  auto s = OptimizingScheduler(solver);
  auto pass =
      std::async(std::launch::async, [&] { return s->Schedule(At(1)); });
  const bool returned =
      pass.wait_for(std::chrono::seconds(30)) == std::future_status::ready;
  gate.open.set_value();
  ASSERT_TRUE(returned) << "the pass waited for the solver";
  EXPECT_EQ(pass.get().size(), 2u);  // placed without an allocation yet
  EXPECT_EQ(s->stats().solves, 0);

  ASSERT_TRUE(Eventually([&] { return !solver->Busy(); }));
  s->Schedule(At(2));
  EXPECT_EQ(s->stats().solves, 1);
  EXPECT_EQ(s->stats().solver_fallbacks, 0);
  EXPECT_EQ(gate.solves.load(), 1);
}

TEST(BackgroundAllocationSolverTest, ARequestNotStartedIsReplacedByANewerOne) {
  Gate gate;
  BackgroundAllocationSolver solver(gate.Fn());
  solver.Submit(Request("first"));
  ASSERT_TRUE(Eventually([&] { return gate.solves.load() == 1; }));
  solver.Submit(Request("stale"));
  solver.Submit(Request("newest"));
  EXPECT_TRUE(solver.Busy());
  EXPECT_FALSE(solver.Take().has_value());  // nothing finished yet
  gate.open.set_value();
  ASSERT_TRUE(Eventually([&] { return !solver.Busy(); }));
  std::optional<core::AllocationOutcome> out = solver.Take();
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->request.job_ids, std::vector<std::string>{"newest"});
  ASSERT_TRUE(out->allocation.ok()) << out->allocation.status();
  EXPECT_NEAR(out->allocation->x[0][0], 1, 1e-6);
  EXPECT_EQ(gate.solves.load(), 2);  // "stale" was never solved
  EXPECT_FALSE(solver.Take().has_value());
}

TEST(BackgroundAllocationSolverTest, AFailedSolveFallsBackToHetero) {
  auto solver = std::make_shared<BackgroundAllocationSolver>(
      [](const core::AllocationProblem&, core::AllocationObjective) {
        return absl::StatusOr<core::Allocation>(
            absl::InternalError("allocation LP: CLP status 3"));
      });
  auto s = OptimizingScheduler(solver);
  EXPECT_EQ(s->Schedule(At(1)).size(), 2u);
  ASSERT_TRUE(Eventually([&] { return !solver->Busy(); }));
  s->Schedule(At(2));
  EXPECT_EQ(s->stats().solver_fallbacks, 1);
  EXPECT_EQ(s->stats().last_solver_error, "allocation LP: CLP status 3");
}

}  // namespace
}  // namespace hetsched::control
