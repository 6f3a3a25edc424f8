#include "scheduler/core/allocation_optimizer.h"

#include <algorithm>
#include <cmath>

#include "ClpSimplex.hpp"
#include "CoinPackedMatrix.hpp"
#include "absl/strings/str_cat.h"

namespace hetsched::core {
namespace {

// Weight of the secondary "use leftover capacity" term, relative to the
// primary objective: small enough never to trade the primary away.
constexpr double kFillWeight = 1e-4;
// Share of its max-min rate a job without a deadline keeps under min-cost.
constexpr double kCostFairShare = 0.9;
// Penalty per unit of missed deadline rate (normalized) under min-cost.
constexpr double kDeadlinePenalty = 1e3;

// A linear program in CLP's column form, built one column at a time.
class Lp {
 public:
  int AddRow(double lo, double hi) {
    row_lo_.push_back(lo);
    row_hi_.push_back(hi);
    return static_cast<int>(row_lo_.size()) - 1;
  }
  // Adds a column with entries (row, value); returns its index.
  int AddColumn(double obj, double lo, double hi,
                const std::vector<std::pair<int, double>>& entries) {
    starts_.push_back(static_cast<int>(index_.size()));
    for (const auto& [row, v] : entries) {
      index_.push_back(row);
      value_.push_back(v);
    }
    obj_.push_back(obj);
    col_lo_.push_back(lo);
    col_hi_.push_back(hi);
    return static_cast<int>(obj_.size()) - 1;
  }
  // Solves (maximize when `maximize`); the column values, or INTERNAL.
  absl::StatusOr<std::vector<double>> Solve(bool maximize,
                                            int max_iterations) const {
    std::vector<int> starts = starts_;
    starts.push_back(static_cast<int>(index_.size()));
    const int cols = static_cast<int>(obj_.size());
    const int rows = static_cast<int>(row_lo_.size());
    CoinPackedMatrix matrix(
        true, rows, cols, static_cast<CoinBigIndex>(index_.size()),
        value_.data(), index_.data(), starts.data(), nullptr);
    ClpSimplex model;
    model.setLogLevel(0);
    model.messageHandler()->setLogLevel(0);
    model.loadProblem(matrix, col_lo_.data(), col_hi_.data(), obj_.data(),
                      row_lo_.data(), row_hi_.data());
    model.setOptimizationDirection(maximize ? -1 : 1);
    if (max_iterations > 0) model.setMaximumIterations(max_iterations);
    model.initialSolve();  // presolve, then CLP picks the algorithm
    if (!model.isProvenOptimal()) {
      return absl::InternalError(
          absl::StrCat("allocation LP: CLP status ", model.status(), " (",
                       model.status() == 1   ? "infeasible"
                       : model.status() == 2 ? "unbounded"
                       : model.status() == 3 ? "iteration limit"
                                             : "numerical trouble",
                       ") after ", model.numberIterations(), " iterations"));
    }
    const double* x = model.primalColumnSolution();
    return std::vector<double>(x, x + cols);
  }

 private:
  std::vector<double> obj_, col_lo_, col_hi_, row_lo_, row_hi_, value_;
  std::vector<int> starts_, index_;
};

struct PartResult {
  std::vector<std::vector<double>> x;  // [local job][kind]
  double t = 0;                        // the t column, when there is one
};

// One sub-problem: jobs `ids` of `p` with `share` of every kind's capacity.
// `t_floor` > 0 (min-cost) is max-min's t for the same sub-problem.
absl::StatusOr<PartResult> SolvePart(const AllocationProblem& p,
                                     const std::vector<int>& ids, double share,
                                     AllocationObjective objective,
                                     bool max_min_stage, double t_floor) {
  const size_t kinds = p.kinds.size();
  const double n = std::max<size_t>(ids.size(), 1);
  // Per job: its best rate, and D_j (seconds of work at that rate).
  std::vector<double> best(ids.size(), 0), work(ids.size(), 0);
  double max_work = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    const AllocationJob& job = p.jobs[ids[i]];
    for (size_t k = 0; k < kinds; ++k) {
      if (job.accelerators <= p.capacity[k]) {
        best[i] = std::max(best[i], job.rate[k]);
      }
    }
    if (best[i] > 0 && job.remaining_steps > 0) {
      work[i] = job.remaining_steps / best[i];
      max_work = std::max(max_work, work[i]);
    }
  }
  if (max_work <= 0) max_work = 1;

  Lp lp;
  std::vector<int> job_row(ids.size(), -1), share_row(ids.size(), -1);
  std::vector<int> cap_row(kinds);
  for (size_t k = 0; k < kinds; ++k) {
    cap_row[k] = lp.AddRow(-COIN_DBL_MAX, p.capacity[k] * share);
  }
  const bool uses_t = max_min_stage ||
                      objective == AllocationObjective::kMaxMin ||
                      objective == AllocationObjective::kMinMakespan;
  std::vector<std::pair<int, double>> t_entries;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (best[i] <= 0) continue;
    const AllocationJob& job = p.jobs[ids[i]];
    job_row[i] = lp.AddRow(-COIN_DBL_MAX, 1);
    if (uses_t) {
      share_row[i] = lp.AddRow(0, COIN_DBL_MAX);
      if (objective == AllocationObjective::kMinMakespan && !max_min_stage) {
        // Unknown work counts as the longest known.
        double d = job.remaining_steps > 0 ? work[i] : max_work;
        t_entries.emplace_back(share_row[i], -d / max_work);
      } else {
        t_entries.emplace_back(share_row[i], -std::max(job.weight, 1e-9));
      }
    } else if (objective == AllocationObjective::kMinCost) {
      double need = 0;
      if (job.remaining_steps > 0 && std::isfinite(job.deadline_s)) {
        need = std::min(
            1.0, job.remaining_steps / std::max(job.deadline_s, 1.0) / best[i]);
        share_row[i] = lp.AddRow(need, COIN_DBL_MAX);
        lp.AddColumn(kDeadlinePenalty, 0, COIN_DBL_MAX, {{share_row[i], 1}});
      } else {
        need = kCostFairShare * std::max(job.weight, 1e-9) * t_floor;
        share_row[i] = lp.AddRow(need, COIN_DBL_MAX);
      }
    }
  }
  double max_cost = 0;
  for (double c : p.cost_per_hour) max_cost = std::max(max_cost, c);
  // min-jct: Smith's weights 1 / D_j (D_j from attained service, as LAS,
  // when the remaining work is unknown), normalized so the largest is 1:
  // the LP stays well scaled whatever the spread of job sizes.
  std::vector<double> jct_weight(ids.size(), 0);
  if (objective == AllocationObjective::kMinJct) {
    double top = 0;
    for (size_t i = 0; i < ids.size(); ++i) {
      const AllocationJob& job = p.jobs[ids[i]];
      const double d = job.remaining_steps > 0 ? work[i] : job.attained_s + 60;
      if (best[i] > 0) jct_weight[i] = 1 / std::max(d, 1.0);
      top = std::max(top, jct_weight[i]);
    }
    for (double& w : jct_weight) w /= std::max(top, 1e-300);
  }
  std::vector<std::vector<int>> col(ids.size(), std::vector<int>(kinds, -1));
  for (size_t i = 0; i < ids.size(); ++i) {
    if (best[i] <= 0) continue;
    const AllocationJob& job = p.jobs[ids[i]];
    const double g = job.accelerators;
    for (size_t k = 0; k < kinds; ++k) {
      const double r = job.rate[k];
      if (r <= 0 || g > p.capacity[k]) continue;
      const double norm = r / best[i];
      double obj = 0;
      std::vector<std::pair<int, double>> e = {{job_row[i], 1},
                                               {cap_row[k], g}};
      if (max_min_stage || objective == AllocationObjective::kMaxMin) {
        obj = kFillWeight * norm / n;
        e.emplace_back(share_row[i], g * norm);
      } else if (objective == AllocationObjective::kMinMakespan) {
        obj = kFillWeight * norm / n;
        e.emplace_back(share_row[i], norm);
      } else if (objective == AllocationObjective::kMinJct) {
        obj = jct_weight[i] * norm;
      } else {  // min-cost: cost of the kind, normalized
        const double c = k < p.cost_per_hour.size() ? p.cost_per_hour[k] : 0;
        obj = max_cost > 0 ? g * c / max_cost : 0;
        bool deadline =
            job.remaining_steps > 0 && std::isfinite(job.deadline_s);
        e.emplace_back(share_row[i], deadline ? norm : g * norm);
      }
      col[i][k] = lp.AddColumn(obj, 0, 1, e);
    }
  }
  int t_col = -1;
  if (uses_t) {
    // No job that can run anywhere: nothing bounds t.
    t_col = lp.AddColumn(1, 0, t_entries.empty() ? 0 : COIN_DBL_MAX, t_entries);
  }
  const bool maximize =
      objective != AllocationObjective::kMinCost || max_min_stage;
  auto solved = lp.Solve(maximize, p.max_iterations);
  if (!solved.ok()) return solved.status();
  PartResult out;
  out.x.assign(ids.size(), std::vector<double>(kinds, 0));
  for (size_t i = 0; i < ids.size(); ++i) {
    for (size_t k = 0; k < kinds; ++k) {
      if (col[i][k] >= 0) {
        out.x[i][k] = std::clamp((*solved)[col[i][k]], 0.0, 1.0);
      }
    }
  }
  if (t_col >= 0) {
    out.t = (*solved)[t_col];
    if (objective == AllocationObjective::kMinMakespan && !max_min_stage) {
      out.t /= max_work;  // back to 1 / seconds
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<AllocationObjective> ParseAllocationObjective(
    std::string_view name) {
  if (name == "max-min") return AllocationObjective::kMaxMin;
  if (name == "min-jct") return AllocationObjective::kMinJct;
  if (name == "min-makespan") return AllocationObjective::kMinMakespan;
  if (name == "min-cost") return AllocationObjective::kMinCost;
  return absl::InvalidArgumentError(
      absl::StrCat("allocation objective: unknown '", std::string(name),
                   "' (want max-min, min-jct, min-makespan or min-cost)"));
}

absl::StatusOr<Allocation> SolveAllocation(const AllocationProblem& problem,
                                           AllocationObjective objective) {
  const size_t kinds = problem.kinds.size();
  if (problem.capacity.size() != kinds) {
    return absl::InvalidArgumentError(
        "allocation problem: capacity needs one entry per kind");
  }
  for (size_t j = 0; j < problem.jobs.size(); ++j) {
    if (problem.jobs[j].rate.size() != kinds ||
        problem.jobs[j].accelerators <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("allocation problem: job ", j,
                       " needs one rate per kind and a positive gang size"));
    }
  }
  Allocation out;
  out.x.assign(problem.jobs.size(), std::vector<double>(kinds, 0));
  if (problem.jobs.empty() || kinds == 0) return out;
  const size_t parts =
      problem.partition_jobs > 0
          ? (problem.jobs.size() + problem.partition_jobs - 1) /
                problem.partition_jobs
          : 1;
  out.partitions = static_cast<int>(parts);
  for (size_t part = 0; part < parts; ++part) {
    std::vector<int> ids;
    for (size_t j = part; j < problem.jobs.size(); j += parts) {
      ids.push_back(static_cast<int>(j));
    }
    const double share = 1.0 / static_cast<double>(parts);
    double t_floor = 0;
    if (objective == AllocationObjective::kMinCost) {
      auto fair = SolvePart(problem, ids, share, objective,
                            /*max_min_stage=*/true, 0);
      if (!fair.ok()) return fair.status();
      t_floor = fair->t;
    }
    auto r = SolvePart(problem, ids, share, objective,
                       /*max_min_stage=*/false, t_floor);
    if (!r.ok()) return r.status();
    for (size_t i = 0; i < ids.size(); ++i) out.x[ids[i]] = r->x[i];
    if (objective == AllocationObjective::kMinMakespan && r->t > 0) {
      out.makespan_bound_s = std::max(out.makespan_bound_s, 1 / r->t);
    }
  }
  return out;
}

}  // namespace hetsched::core
