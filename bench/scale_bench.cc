// hetsched-bench-scale: the scheduling core at cluster scale. 12,500 nodes
// x 8 accelerators (4 kinds, ultraservers of 9 nodes) and a backlog of
// 100,000 jobs of mixed gang sizes submitted at once; passes run every
// --step-s simulated seconds while jobs end, until every job has started.
// Reports placements per second of pass time, pass latency (the first,
// bulk-filling pass apart from the steady state), and memory. Every policy
// named runs on the same cluster and jobs in this one process.
//
//   hetsched-bench-scale [--nodes N] [--jobs N] [--seed N] [--step-s S]
//       [--policies hetero,fifo,...] [--max-reservations N]
//       [--solver-jobs 1000,10000,...] [--background-solver 0|1]
//
// --background-solver 1 solves the optimizing policies' LPs on a worker
// thread as the daemon does (pass latency then excludes CLP; the LP's
// solutions arrive when they are ready, so runs vary).
// --solver-jobs times the allocation optimizer alone instead: for each job
// count, one solve per objective over --nodes x 8 accelerators of 4 kinds,
// as one LP and split POP-style into sub-problems of 2,000 jobs (thread
// CPU time; the single LP only up to 20,000 jobs).
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <queue>
#include <random>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/random/distributions.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/cli_checks.h"
#include "common/thread_cpu_clock.h"
#include "scheduler/control/background_allocation_solver.h"
#include "scheduler/core/allocation_optimizer.h"
#include "scheduler/core/scheduler.h"

namespace {

using hetsched::ThreadCpuSeconds;
using hetsched::core::Decision;
using hetsched::core::JobRequest;
using hetsched::core::Node;
using hetsched::core::Scheduler;
using hetsched::core::SchedulerOptions;
using hetsched::core::TopologyRequirement;
using Clock = std::chrono::steady_clock;

const char* kKinds[] = {"nvidia/a100", "nvidia/h100", "nvidia/h200",
                        "aws/trainium2"};

double RssMiB() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * sysconf(_SC_PAGESIZE) / 1048576.0;
}

double PeakRssMiB() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024.0;
}

double Pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(std::ceil(p * v.size()));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

struct Job {
  JobRequest request;
  double duration_s;
};

// Gang sizes as the quality workload (1: 40%, 2: 15%, 4: 15%, 8: 20%,
// 16: 7%, 32: 3%); half pinned to one kind; gangs of 16+ require one
// ultraserver one time in five; run times log-uniform in [30 min, 6 h],
// half with a max runtime of 1.5x; a tenth preemptible at priority 0 and a
// tenth at priority 5.
std::vector<Job> MakeJobs(int n, uint64_t seed) {
  std::mt19937_64 gen(seed);
  const int sizes[] = {1, 2, 4, 8, 16, 32};
  std::discrete_distribution<int> size({40, 15, 15, 20, 7, 3});
  std::vector<Job> jobs;
  jobs.reserve(n);
  for (int i = 0; i < n; ++i) {
    Job j;
    JobRequest& r = j.request;
    r.id = absl::StrCat("job-", i);
    r.queue = absl::Bernoulli(gen, 0.3) ? "prod" : "research";
    int total = sizes[size(gen)];
    int per = std::min(total, 8);
    r.groups.push_back({"workers", total / per, per, {}});
    if (absl::Bernoulli(gen, 0.5)) {
      r.groups[0].kinds = {kKinds[absl::Uniform(gen, 0, 4)]};
    }
    if (total >= 16 && absl::Bernoulli(gen, 0.2)) {
      r.same_ultraserver = TopologyRequirement::kRequired;
    }
    j.duration_s =
        std::exp(absl::Uniform(gen, std::log(1800.0), std::log(6 * 3600.0)));
    if (absl::Bernoulli(gen, 0.5)) {
      r.max_runtime = absl::Seconds(std::ceil(1.5 * j.duration_s));
    }
    double p = absl::Uniform(gen, 0.0, 1.0);
    r.priority = p < 0.1 ? 5 : 0;
    r.preemptible = p >= 0.1 && p < 0.2;
    r.job_class = absl::StrCat("class-", absl::Uniform(gen, 0, 6));
    jobs.push_back(std::move(j));
  }
  return jobs;
}

void RunPolicy(const std::string& policy, int nodes,
               const std::vector<Job>& jobs, double step_s,
               int max_reservations, bool background_solver) {
  SchedulerOptions o;
  o.policy = policy;
  o.max_reservations = max_reservations;
  if (background_solver) {
    o.allocation_solver =
        std::make_shared<hetsched::control::BackgroundAllocationSolver>();
  }
  auto made = Scheduler::Create(o);
  if (!made.ok()) {
    std::cerr << made.status() << "\n";
    return;
  }
  Scheduler& s = **made;
  double rss0 = RssMiB();
  auto t0 = Clock::now();
  for (int i = 0; i < nodes; ++i) {
    Node n;
    int kind = i / ((nodes + 3) / 4);
    n.name = absl::StrFormat("node-%05d", i);
    n.accelerator_kind = kKinds[kind];
    n.accelerator_count = 8;
    n.topology.provider = "aws";
    n.topology.ultraserver = absl::StrFormat("us-%04d", i / 9);
    n.speed_factor = 0.95 + 0.001 * (i % 100);
    (void)s.cluster().UpsertNode(n);
  }
  auto t1 = Clock::now();
  for (const auto& j : jobs) (void)s.Submit(j.request);
  auto t2 = Clock::now();
  std::vector<int> index_of(jobs.size());
  std::map<std::string, int> ids;
  for (size_t i = 0; i < jobs.size(); ++i) ids[jobs[i].request.id] = i;

  using End = std::pair<double, int>;
  std::priority_queue<End, std::vector<End>, std::greater<>> ends;
  std::vector<double> latency_ms;
  double pass_s = 0, other_s = 0;
  long placements = 0, preemptions = 0, first_pass_placed = 0;
  double now = 0;
  int passes = 0;
  while (s.pending_count() > 0 && passes < 5000) {
    auto a = Clock::now();
    auto decisions = s.Schedule(absl::UnixEpoch() + absl::Seconds(now));
    double dt = std::chrono::duration<double>(Clock::now() - a).count();
    latency_ms.push_back(dt * 1e3);
    pass_s += dt;
    ++passes;
    auto b = Clock::now();
    for (const auto& d : decisions) {
      int i = ids.at(d.job_id);
      if (d.type == Decision::Type::kPlace) {
        ++placements;
        ends.emplace(now + jobs[i].duration_s, i);
      } else {
        ++preemptions;
        s.Requeue(d.job_id, absl::UnixEpoch() + absl::Seconds(now));
      }
    }
    if (passes == 1) first_pass_placed = placements;
    now += step_s;
    while (!ends.empty() && ends.top().first <= now) {
      const std::string& id = jobs[ends.top().second].request.id;
      if (!s.IsPending(id)) {
        s.Remove(id, absl::UnixEpoch() + absl::Seconds(ends.top().first));
      }
      ends.pop();
    }
    other_s += std::chrono::duration<double>(Clock::now() - b).count();
  }
  // Steady state: every pass but the first (the bulk fill).
  std::vector<double> steady;
  if (latency_ms.size() > 1)
    steady.assign(latency_ms.begin() + 1, latency_ms.end());
  const auto& st = s.stats();
  std::cout << absl::StrFormat(
      "| %s | %d | %.1f | %.1f | %ld | %ld | %d | %.0f | %.1f | %.2f | %.2f | "
      "%.1f | %.1f | %ld | %ld | %.0f | %.0f |\n",
      policy, nodes, std::chrono::duration<double>(t1 - t0).count(),
      std::chrono::duration<double>(t2 - t1).count(), placements, preemptions,
      passes, placements / pass_s, latency_ms.empty() ? 0 : latency_ms[0],
      Pct(steady, 0.5), Pct(steady, 0.99),
      steady.empty() ? 0 : *std::max_element(steady.begin(), steady.end()),
      pass_s, first_pass_placed, st.reservations, RssMiB() - rss0,
      PeakRssMiB());
  (void)other_s;
}

// Random jobs over 4 kinds: gang 1..32 (as the backlog), a per-kind rate
// that differs by class (some faster on the older kinds), remaining work
// of 10 min to 8 h at the best rate.
void SolverTable(const std::string& counts, int nodes, uint64_t seed) {
  using hetsched::core::AllocationObjective;
  std::cout << "| jobs | accelerators | objective | partitions | solve CPU s "
               "| single LP CPU s |\n|---|---|---|---|---|---|\n";
  for (absl::string_view c : absl::StrSplit(counts, ',')) {
    int n = 0;
    if (!absl::SimpleAtoi(c, &n) || n <= 0) continue;
    std::mt19937_64 gen(seed);
    hetsched::core::AllocationProblem p;
    for (const char* kind : kKinds) {
      p.kinds.push_back(kind);
      p.capacity.push_back(nodes * 8.0 / 4);
      p.cost_per_hour.push_back(p.kinds.size());
    }
    const int sizes[] = {1, 2, 4, 8, 16, 32};
    const double weights[] = {40, 15, 15, 20, 7, 3};
    std::discrete_distribution<int> size_dist(std::begin(weights),
                                              std::end(weights));
    for (int j = 0; j < n; ++j) {
      hetsched::core::AllocationJob a;
      a.accelerators = sizes[size_dist(gen)];
      for (size_t k = 0; k < p.kinds.size(); ++k) {
        a.rate.push_back(a.accelerators * absl::Uniform(gen, 0.3, 3.0));
      }
      double best = *std::max_element(a.rate.begin(), a.rate.end());
      a.remaining_steps = best * absl::Uniform(gen, 600.0, 8 * 3600.0);
      a.attained_s = absl::Uniform(gen, 0.0, 3600.0);
      p.jobs.push_back(std::move(a));
    }
    for (const char* name :
         {"max-min", "min-jct", "min-makespan", "min-cost"}) {
      AllocationObjective objective =
          *hetsched::core::ParseAllocationObjective(name);
      double t0 = ThreadCpuSeconds();
      auto r = hetsched::core::SolveAllocation(p, objective);
      double split = ThreadCpuSeconds() - t0;
      std::string single = "-";
      if (n <= 20000) {
        hetsched::core::AllocationProblem one = p;
        one.partition_jobs = 0;
        t0 = ThreadCpuSeconds();
        auto s = hetsched::core::SolveAllocation(one, objective);
        single = s.ok() ? absl::StrFormat("%.3f", ThreadCpuSeconds() - t0)
                        : std::string("failed");
      }
      std::cout << absl::StrFormat(
          "| %d | %d | %s | %d | %s | %s |\n", n, nodes * 8, name,
          r.ok() ? r->partitions : 0,
          r.ok() ? absl::StrFormat("%.3f", split) : std::string("failed"),
          single);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  int nodes = 12500, jobs = 100000;
  uint64_t seed = 1;
  double step = 300;
  int reservations = SchedulerOptions().max_reservations;
  std::string policies = "hetero,fifo";
  std::string solver_jobs;
  int background_solver = 0;
  CLI::App app{"The scheduling core at scale (docs/BENCHMARKS.md)",
               "hetsched-bench-scale"};
  app.add_option("--nodes", nodes)
      ->capture_default_str()
      ->check(hetsched::kPositiveCount);
  app.add_option("--jobs", jobs)
      ->capture_default_str()
      ->check(hetsched::kPositiveCount);
  app.add_option("--seed", seed)->capture_default_str();
  app.add_option("--step-s", step, "simulated seconds between passes")
      ->capture_default_str()
      ->check(hetsched::kPositive);
  app.add_option("--policies", policies, "comma-separated policy names")
      ->capture_default_str();
  app.add_option("--solver-jobs", solver_jobs,
                 "comma-separated job counts: time the allocation LP only");
  app.add_option("--background-solver", background_solver,
                 "1: solve the allocation on a background thread")
      ->check(CLI::Range(0, 1));
  app.add_option("--max-reservations", reservations)
      ->capture_default_str()
      ->check(hetsched::kNonNegative);
  if (auto code = hetsched::ParseFlags(app, argc, argv)) return *code;
  if (!solver_jobs.empty()) {
    SolverTable(solver_jobs, nodes, seed);
    return 0;
  }
  std::vector<Job> backlog = MakeJobs(jobs, seed);
  std::cout << "| policy | nodes | add nodes s | submit s | placements | "
               "preemptions | passes | placements/s | first pass ms | p50 "
               "pass ms | p99 pass ms | max pass ms | pass total s | placed "
               "in first pass | reservations | RSS growth MiB | peak RSS "
               "MiB |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|"
               "---|---|---|---|\n";
  for (absl::string_view p : absl::StrSplit(policies, ',')) {
    RunPolicy(std::string(p), nodes, backlog, step, reservations,
              background_solver != 0);
  }
  return 0;
}
