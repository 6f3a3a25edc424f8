// hetsched-bench-quality: every policy against fifo on the same generated
// workloads, in one run, through the simulator (the same core code the
// daemon runs). Prints one markdown table per scenario.
//
//   hetsched-bench-quality [--jobs N] [--seed N] [--arrivals-per-hour X]
//       [--restart-penalty-s S] [--round-s S]
#include <algorithm>
#include <cmath>
#include <iostream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "bench/trace_generator.h"
#include "common/cli_checks.h"
#include "scheduler/sim/simulator.h"

namespace {

using hetsched::sim::SimResult;

double P99Wait(const SimResult& r) {
  std::vector<double> waits;
  for (const auto& rec : r.records) {
    if (rec.start_s) waits.push_back(*rec.start_s - rec.submit_s);
  }
  if (waits.empty()) return 0;
  std::sort(waits.begin(), waits.end());
  size_t rank = static_cast<size_t>(std::ceil(0.99 * waits.size()));
  return waits[std::clamp<size_t>(rank, 1, waits.size()) - 1];
}

}  // namespace

int main(int argc, char** argv) {
  hetsched::bench::GeneratorOptions gen;
  gen.jobs = 400;
  double penalty = 30, round = 360;
  CLI::App app{"Policy quality on generated workloads (docs/BENCHMARKS.md)",
               "hetsched-bench-quality"};
  app.add_option("--jobs", gen.jobs, "jobs per scenario")
      ->capture_default_str()
      ->check(hetsched::kPositiveCount);
  app.add_option("--seed", gen.seed, "random seed")->capture_default_str();
  app.add_option("--arrivals-per-hour", gen.arrivals_per_hour)
      ->capture_default_str()
      ->check(hetsched::kPositive);
  app.add_option("--restart-penalty-s", penalty,
                 "what moving or resuming a job costs")
      ->capture_default_str()
      ->check(hetsched::kNonNegative);
  app.add_option("--round-s", round, "time-sharing round of the LAS run")
      ->capture_default_str()
      ->check(hetsched::kNonNegative);
  if (auto code = hetsched::ParseFlags(app, argc, argv)) return *code;
  struct Run {
    std::string policy;
    double round_s;
  };
  const std::vector<Run> runs = {
      {"fifo", 0}, {"first-fit", 0}, {"fifo+backfill", 0}, {"priority", 0},
      {"fair", 0}, {"hetero", 0},    {"cost", 0},          {"hetero", round}};
  for (const char* scenario : {"mixed", "gavel"}) {
    gen.scenario = scenario;
    hetsched::bench::Workload w = hetsched::bench::Generate(gen);
    std::cout << absl::StrFormat(
        "\n### scenario %s: %d jobs, %.0f arrivals/h, seed %d, restart "
        "penalty %.0f s\n\n",
        scenario, gen.jobs, gen.arrivals_per_hour, gen.seed, penalty);
    std::cout << "| policy | completed | avg JCT h | vs fifo | p99 wait h | "
                 "vs fifo | util | makespan h | vs fifo | cost $ | vs fifo "
                 "| preempt | core cpu s |\n"
                 "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
    SimResult base;
    for (size_t i = 0; i < runs.size(); ++i) {
      hetsched::sim::SimOptions o;
      o.policy = runs[i].policy;
      o.round_s = runs[i].round_s;
      o.restart_penalty_s = penalty;
      o.seed = gen.seed;
      auto r = hetsched::sim::Simulate(w.cluster, w.trace, w.table, o);
      if (!r.ok()) {
        std::cerr << r.status() << "\n";
        return 1;
      }
      if (i == 0) base = *r;
      auto ratio = [](double x, double y) { return y > 0 ? x / y : 0; };
      std::string name = runs[i].policy;
      if (runs[i].round_s > 0) {
        name += absl::StrFormat(" --round-s %.0f", runs[i].round_s);
      }
      std::cout << absl::StrFormat(
          "| %s | %d/%d | %.2f | %.2f | %.2f | %.2f | %.3f | %.1f | %.2f | "
          "%.0f | %.2f | %d | %.3f |\n",
          name, r->completed, r->jobs, r->avg_jct_s / 3600,
          ratio(r->avg_jct_s, base.avg_jct_s), P99Wait(*r) / 3600,
          ratio(P99Wait(*r), P99Wait(base)), r->utilization,
          r->makespan_s / 3600, ratio(r->makespan_s, base.makespan_s),
          r->cost_usd.value_or(0),
          ratio(r->cost_usd.value_or(0), base.cost_usd.value_or(0)),
          r->preemptions, r->scheduler_cpu_s);
    }
  }
  return 0;
}
