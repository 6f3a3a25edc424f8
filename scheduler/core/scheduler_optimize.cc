// Scheduler: the allocation optimizer's side of the pass. Each round (and
// when jobs arrive) the active training jobs and the capacity they can use
// go to SolveAllocation; each job's share of time per kind becomes its
// target. The pass then takes jobs furthest behind their target first
// (Gavel's priority: allocated share / received share), places them only
// on the kinds of their allocation, and rounds rotate a running job out
// for a pending one that is further behind. Jobs the LP gives nothing run
// only on what is left (least attained service first). When the solver
// fails, every target is dropped until the next solve: the pass is
// hetero+las. The solve itself runs where SchedulerOptions says
// (allocation_solver.h); the pass applies a solution when one is ready.
#include <algorithm>
#include <set>

#include "common/accelerator_catalogue.h"
#include "scheduler/core/allocation_optimizer.h"
#include "scheduler/core/placement_filters.h"
#include "scheduler/core/scheduler.h"

namespace hetsched::core {

double Scheduler::NormalizedRate(const Entry& e,
                                 const std::string& kind) const {
  const int n = std::max(e.job.TotalAccelerators(), 1);
  double best = 0;
  for (const auto& g : e.job.groups) {
    for (const auto& k : CandidateKinds(g, cluster_)) {
      best = std::max(best, model_.Estimate(e.job.job_class, k, n).value_or(0));
    }
  }
  const double here = model_.Estimate(e.job.job_class, kind, n).value_or(0);
  return best > 0 && here > 0 ? here / best : 1;
}

double Scheduler::Deficit(const Entry& e, absl::Time now) const {
  double ran = e.norm_run_s;
  if (e.state != State::kPending && now > e.last_start) {
    ran += absl::ToDoubleSeconds(now - e.last_start) * e.norm_now;
  }
  const double elapsed = absl::ToDoubleSeconds(now - e.job.submit_time);
  const double received = elapsed > 0 ? ran / elapsed : 0;
  return e.target_norm / std::max(received, 1e-3);
}

void Scheduler::Migrate(Pass& pass, std::vector<Decision>& out) {
  constexpr int kMaxMoves = 32;
  const absl::Duration min_run =
      std::max(options_.round, 2 * options_.restart_penalty);
  int moves = 0;
  for (const auto& [id, running] : preemptible_) {
    if (moves >= kMaxMoves) break;
    Entry& r = *running;
    if (r.state != State::kRunning || r.target_total <= 0 ||
        r.job.kind != JobKind::kTraining || r.usage.empty() ||
        r.target.count(r.usage.begin()->first) > 0 ||
        pass.now - r.last_start < min_run) {
      continue;
    }
    bool unused = false;
    PlacementContext ctx = ContextFor(r, &unused);
    if (policy_->Place(r.job, cluster_, ctx).kind !=
        PlacementOutcome::Kind::kPlaced) {
      continue;
    }
    r.state = State::kPreempting;
    ++stats_.preemptions;
    ++moves;
    out.push_back({Decision::Type::kPreempt, r.job.id, Placement{},
                   "moved to the kinds of its allocation",
                   options_.preemption_grace, ""});
  }
}

AllocationRequest Scheduler::BuildAllocationRequest(absl::Time now) const {
  std::map<std::string, int> capacity = CapacityByKind();
  std::vector<const Entry*> active;
  for (const auto& [id, e] : jobs_) {
    const bool running = e.state != State::kPending;
    // CPU-only work shares no accelerator: the allocation leaves it out.
    if (e.job.TotalAccelerators() == 0) continue;
    // Inference and running non-preemptible work stay where they are.
    if (e.job.kind != JobKind::kTraining || (running && !e.job.preemptible)) {
      for (const auto& [kind, n] : e.usage) capacity[kind] -= n;
      continue;
    }
    active.push_back(&e);
  }
  AllocationRequest request;
  AllocationProblem& problem = request.problem;
  problem.partition_jobs = options_.optimizer_partition_jobs;
  problem.max_iterations = options_.optimizer_max_iterations;
  std::map<std::string, size_t> kind_index;
  for (const auto& [kind, n] : capacity) {
    kind_index[kind] = problem.kinds.size();
    problem.kinds.push_back(kind);
    problem.capacity.push_back(std::max(n, 0));
  }
  std::vector<double> price(problem.kinds.size(), 0);
  std::vector<int> priced(problem.kinds.size(), 0);
  for (const auto& [name, node] : cluster_.nodes()) {
    auto it = kind_index.find(node.accelerator_kind);
    if (it == kind_index.end()) continue;
    price[it->second] += node.price_per_accel_hour;
    ++priced[it->second];
  }
  for (size_t k = 0; k < price.size(); ++k) {
    double per_hour = priced[k] > 0 ? price[k] / priced[k] : 0;
    const AcceleratorSpec* spec =
        AcceleratorCatalogue::BuiltIn().Find(problem.kinds[k]);
    if (spec != nullptr) {
      per_hour += spec->tdp_watts / 1000 * options_.energy_price_per_kwh;
    }
    problem.cost_per_hour.push_back(per_hour);
  }
  for (const Entry* e : active) {
    const JobRequest& job = e->job;
    AllocationJob a;
    a.accelerators = std::max(job.TotalAccelerators(), 1);
    a.rate.assign(problem.kinds.size(), 0);
    // Kinds every group accepts.
    std::map<std::string, int> accepted;
    for (const auto& g : job.groups) {
      for (const auto& kind : CandidateKinds(g, cluster_)) ++accepted[kind];
    }
    for (const auto& [kind, groups] : accepted) {
      auto it = kind_index.find(kind);
      if (it == kind_index.end() ||
          groups != static_cast<int>(job.groups.size())) {
        continue;
      }
      a.rate[it->second] =
          model_.Estimate(job.job_class, kind, a.accelerators).value_or(0);
    }
    a.weight =
        queues_.Config(job.queue).weight * (1 + std::max(job.priority, 0));
    if (job.total_steps > 0) {
      double done = e->steps_done;
      if (e->state != State::kPending && !e->usage.empty() &&
          !e->progress_reported && now > e->last_start) {
        done += absl::ToDoubleSeconds(now - e->last_start) * e->speed *
                model_
                    .Estimate(job.job_class, e->usage.begin()->first,
                              e->accelerators)
                    .value_or(0);
      }
      a.remaining_steps =
          std::max(job.total_steps - done, job.total_steps * 1e-3);
    }
    a.attained_s = e->attained / a.accelerators;
    if (job.deadline != absl::InfiniteFuture()) {
      a.deadline_s = std::max(absl::ToDoubleSeconds(job.deadline - now), 1.0);
    }
    problem.jobs.push_back(std::move(a));
    request.job_ids.push_back(job.id);
  }
  // The policy name was checked when the scheduler was created.
  request.objective =
      ParseAllocationObjective(config_.objective).value_or(request.objective);
  return request;
}

void Scheduler::ApplyAllocation(const AllocationOutcome& outcome) {
  stats_.solver_cpu_s += outcome.cpu_s;
  ++stats_.solves;
  // Order keys depend on the targets: pending jobs leave their queue while
  // the targets change and come back with new keys.
  for (auto& [id, e] : jobs_) {
    if (e.job.kind != JobKind::kTraining) continue;  // never has a target
    Dequeue(e);
    e.target.clear();
    e.target_total = e.target_norm = 0;
  }
  if (!outcome.allocation.ok()) {
    ++stats_.solver_fallbacks;
    stats_.last_solver_error =
        std::string(outcome.allocation.status().message());
  } else {
    const AllocationProblem& problem = outcome.request.problem;
    for (size_t i = 0; i < outcome.request.job_ids.size(); ++i) {
      // Jobs that left while the LP was solved are skipped; jobs that came
      // meanwhile have no target until the next solve.
      Entry* e = Find(outcome.request.job_ids[i]);
      if (e == nullptr) continue;
      const std::vector<double>& rate = problem.jobs[i].rate;
      // No kinds at all (an empty cluster): nothing to target.
      if (rate.empty()) continue;
      const double best = *std::max_element(rate.begin(), rate.end());
      for (size_t k = 0; k < problem.kinds.size(); ++k) {
        const double x = outcome.allocation->x[i][k];
        if (x < 1e-6) continue;
        e->target[problem.kinds[k]] = x;
        e->target_total += x;
        e->target_norm += x * (rate[k] / best);
      }
    }
  }
  for (auto& [id, e] : jobs_) {
    if (e.job.kind == JobKind::kTraining && e.state == State::kPending) {
      Enqueue(e);
    }
  }
}

}  // namespace hetsched::core
