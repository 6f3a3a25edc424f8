#include "scheduler/sim/simulator.h"

#include <algorithm>
#include <cmath>
#include <queue>
#include <set>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "common/accelerator_catalogue.h"
#include "common/thread_cpu_clock.h"
#include "scheduler/core/scheduler.h"
#include "scheduler/sim/makespan_bound.h"

namespace hetsched::sim {
namespace {

absl::Time At(double s) { return absl::UnixEpoch() + absl::Seconds(s); }

enum class EventType { kSubmit = 0, kFinish = 1, kStop = 2, kRound = 3 };
// (time, type, job index, generation): finishes before submits at one
// instant would also be fine; the order only has to be fixed.
using Event = std::tuple<double, int, int, int>;

struct Run {
  const TraceJob* trace = nullptr;
  double remaining = 0;
  bool running = false;
  int generation = 0;
  int starts = 0;
  double segment_start = 0;
  double work_start = 0;
  double rate = 0;
  std::string kind;
  int accelerators = 0;
  double price_per_hour = 0;
};

// Percentile by nearest rank over sorted values.
double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(p * sorted.size()));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

}  // namespace

absl::StatusOr<SimResult> Simulate(const SimCluster& cluster,
                                   const std::vector<TraceJob>& trace,
                                   const core::ThroughputTable& throughputs,
                                   const SimOptions& options) {
  core::SchedulerOptions so;
  so.policy = options.policy;
  so.preemption_grace = absl::ZeroDuration();
  so.round = absl::Seconds(options.round_s);
  so.restart_penalty = absl::Seconds(options.restart_penalty_s);
  so.energy_price_per_kwh = options.energy_price_per_kwh;
  so.cpu_seconds = ThreadCpuSeconds;
  auto made = core::Scheduler::Create(so);
  if (!made.ok()) return made.status();
  core::Scheduler& core = **made;
  SimResult result;
  double cpu = 0;
  auto timed = [&](auto&& fn) {
    double t0 = ThreadCpuSeconds();
    fn();
    cpu += ThreadCpuSeconds() - t0;
  };
  std::map<std::string, int> capacity;
  timed([&] {
    for (const auto& n : cluster.nodes) (void)core.cluster().UpsertNode(n);
    core.SetThroughputTable(throughputs);
  });
  for (const auto& n : cluster.nodes) {
    capacity[n.accelerator_kind] += n.accelerator_count;
  }

  std::vector<Run> runs(trace.size());
  std::map<std::string, int> index;
  result.records.resize(trace.size());
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events;
  for (size_t i = 0; i < trace.size(); ++i) {
    runs[i].trace = &trace[i];
    // Work in steps at table rates, or in seconds for duration_s jobs.
    runs[i].remaining = throughputs.count(trace[i].job_class)
                            ? trace[i].total_steps
                            : trace[i].duration_s.value_or(0);
    index[trace[i].id] = static_cast<int>(i);
    result.records[i].id = trace[i].id;
    result.records[i].submit_s = trace[i].submit_s;
    events.emplace(trace[i].submit_s, static_cast<int>(EventType::kSubmit),
                   static_cast<int>(i), 0);
  }
  if (options.round_s > 0 && !trace.empty()) {
    events.emplace(options.round_s, static_cast<int>(EventType::kRound), -1, 0);
  }
  std::map<std::string, double> busy;  // accelerator-seconds per kind
  double cost = 0;
  int running = 0;

  auto stop = [&](int i, double t) {
    Run& r = runs[i];
    if (!r.running) return;
    if (t > r.work_start && r.rate > 0) {
      r.remaining = std::max(0.0, r.remaining - (t - r.work_start) * r.rate);
    }
    busy[r.kind] += r.accelerators * (t - r.segment_start);
    cost += r.price_per_hour * (t - r.segment_start) / 3600.0;
    r.running = false;
    --running;
    ++r.generation;
  };
  auto start = [&](int i, const core::Placement& p, double t) {
    Run& r = runs[i];
    JobRecord& rec = result.records[i];
    r.accelerators = 0;
    r.price_per_hour = 0;
    for (const auto& rp : p.replicas) {
      const core::Node* node = core.cluster().FindNode(rp.node);
      r.kind = node->accelerator_kind;
      r.accelerators += static_cast<int>(rp.devices.size());
      r.price_per_hour += rp.devices.size() * node->price_per_accel_hour;
    }
    const TraceJob& job = *r.trace;
    auto cls = throughputs.find(job.job_class);
    if (cls != throughputs.end()) {
      r.rate = cls->second.at(r.kind).at(r.accelerators);
    } else {
      r.rate = 1;  // remaining is in seconds
    }
    r.running = true;
    ++running;
    r.segment_start = t;
    r.work_start = t + (r.starts > 0 ? options.restart_penalty_s : 0);
    ++r.starts;
    if (!rec.start_s) rec.start_s = t;
    if (std::find(rec.kinds_used.begin(), rec.kinds_used.end(), r.kind) ==
        rec.kinds_used.end()) {
      rec.kinds_used.push_back(r.kind);
    }
    double finish = r.work_start + r.remaining / r.rate;
    events.emplace(finish, static_cast<int>(EventType::kFinish), i,
                   r.generation);
    if (job.max_runtime_s > 0 && t + job.max_runtime_s < finish) {
      events.emplace(t + job.max_runtime_s, static_cast<int>(EventType::kStop),
                     i, r.generation);
    }
  };
  auto end = [&](int i, double t, bool completed) {
    stop(i, t);
    result.records[i].end_s = t;
    result.records[i].completed = completed;
    timed([&] { core.Remove(runs[i].trace->id, At(t)); });
  };

  while (!events.empty()) {
    const double t = std::get<0>(events.top());
    while (!events.empty() && std::get<0>(events.top()) == t) {
      auto [unused, type, i, generation] = events.top();
      events.pop();
      switch (static_cast<EventType>(type)) {
        case EventType::kSubmit: {
          const TraceJob& j = trace[i];
          core::JobRequest req;
          req.id = j.id;
          req.queue = j.queue;
          req.priority = j.priority;
          req.submit_time = At(j.submit_s);
          req.preemptible = j.preemptible;
          req.job_class = j.job_class;
          req.total_steps = j.total_steps;
          if (j.max_runtime_s > 0)
            req.max_runtime = absl::Seconds(j.max_runtime_s);
          core::TaskGroupRequest g{"workers", j.replicas, j.accel_per_replica,
                                   j.kinds};
          // A class in the table runs only where the table has its size.
          if (auto cls = throughputs.find(j.job_class);
              cls != throughputs.end()) {
            std::vector<std::string> kinds;
            for (const auto& [kind, sizes] : cls->second) {
              bool accepted = j.kinds.empty() ||
                              std::find(j.kinds.begin(), j.kinds.end(), kind) !=
                                  j.kinds.end();
              if (accepted && sizes.count(j.replicas * j.accel_per_replica)) {
                kinds.push_back(kind);
              }
            }
            if (!j.kinds.empty()) {
              // Keep the trace's order of preference.
              std::vector<std::string> ordered;
              for (const auto& k : j.kinds) {
                if (std::find(kinds.begin(), kinds.end(), k) != kinds.end()) {
                  ordered.push_back(k);
                }
              }
              kinds = ordered;
            }
            g.kinds =
                kinds.empty() ? std::vector<std::string>{"none/none"} : kinds;
          }
          req.groups.push_back(std::move(g));
          timed([&] { (void)core.Submit(req); });
          break;
        }
        case EventType::kFinish:
          if (runs[i].running && runs[i].generation == generation) {
            end(i, t, true);
          }
          break;
        case EventType::kStop:
          if (runs[i].running && runs[i].generation == generation) {
            end(i, t, false);
          }
          break;
        case EventType::kRound:
          // Rounds matter only while something runs or may arrive.
          if (running > 0 || !events.empty()) {
            events.emplace(t + options.round_s,
                           static_cast<int>(EventType::kRound), -1, 0);
          }
          break;
      }
    }
    // Passes at this instant until no victim is left to stop.
    for (int again = 0; again < 8; ++again) {
      std::vector<core::Decision> decisions;
      timed([&] { decisions = core.Schedule(At(t)); });
      ++result.passes;
      result.decisions += static_cast<long>(decisions.size());
      bool preempted = false;
      for (const auto& d : decisions) {
        int i = index.at(d.job_id);
        if (d.type == core::Decision::Type::kPlace) {
          start(i, d.placement, t);
          continue;
        }
        stop(i, t);
        ++result.records[i].preemptions;
        ++result.preemptions;
        preempted = true;
        timed([&] { core.Requeue(d.job_id, At(t)); });
      }
      if (!preempted) break;
    }
  }

  // Figures over the whole trace.
  result.jobs = static_cast<int>(trace.size());
  std::vector<double> jct;
  double wait = 0, first = INFINITY, last = 0;
  int started = 0;
  for (const auto& rec : result.records) {
    first = std::min(first, rec.submit_s);
    if (rec.start_s) {
      wait += *rec.start_s - rec.submit_s;
      ++started;
    }
    if (rec.end_s) last = std::max(last, *rec.end_s);
    if (rec.completed) jct.push_back(*rec.end_s - rec.submit_s);
  }
  std::sort(jct.begin(), jct.end());
  result.completed = static_cast<int>(jct.size());
  double sum = 0;
  for (double v : jct) sum += v;
  result.avg_jct_s = jct.empty() ? 0 : sum / jct.size();
  result.p50_jct_s = Percentile(jct, 0.50);
  result.p99_jct_s = Percentile(jct, 0.99);
  result.avg_wait_s = started > 0 ? wait / started : 0;
  result.makespan_s = std::isinf(first) ? 0 : std::max(0.0, last - first);
  double busy_all = 0, cap_all = 0;
  for (const auto& [kind, cap] : capacity) {
    double b = busy[kind];
    busy_all += b;
    cap_all += cap;
    result.utilization_by_kind[kind] =
        result.makespan_s > 0 && cap > 0 ? b / (cap * result.makespan_s) : 0;
  }
  result.utilization = result.makespan_s > 0 && cap_all > 0
                           ? busy_all / (cap_all * result.makespan_s)
                           : 0;
  if (cluster.has_prices) result.cost_usd = cost;
  result.scheduler_cpu_s = cpu;
  result.solver_cpu_s = core.stats().solver_cpu_s;
  result.solver_fallbacks = core.stats().solver_fallbacks;
  result.last_solver_error = core.stats().last_solver_error;
  result.makespan_lower_bound_s =
      MakespanLowerBound(cluster, trace, throughputs);
  for (const auto& [kind, cap] : capacity) {
    const AcceleratorSpec* spec = AcceleratorCatalogue::BuiltIn().Find(kind);
    if (spec == nullptr || spec->tdp_watts <= 0) continue;
    result.energy_kwh =
        result.energy_kwh.value_or(0) + busy[kind] * spec->tdp_watts / 3.6e6;
  }
  return result;
}

}  // namespace hetsched::sim
