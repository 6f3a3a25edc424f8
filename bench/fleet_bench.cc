// hetsched-bench-fleet: the control plane at fleet size on one machine
// (docs/BENCHMARKS.md, "Fleet"). Starts the real scheduler (SQLite under a
// scratch directory, or --store etcd on an etcd cluster it starts there;
// /metrics on), one agent process of simulated hosts
// per inventory, and concurrent gRPC submitters; reports registration
// time, jobs placed and run per second, submit-to-running percentiles,
// the scheduler's CPU, RSS and threads and its store writes per second;
// then, optionally, SIGKILLs the scheduler with jobs running, restarts it
// on its data dir and reports how the fleet came back.
#include <stdlib.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/fleet_cluster.h"
#include "bench/fleet_load.h"
#include "bench/metrics_scrape.h"
#include "bench/proc_stats.h"
#include "spec/job_spec_yaml.h"
#include "tests/integration/etcd_cluster.h"

namespace hetsched::bench {
namespace {

void Say(const std::string& line) {
  std::fprintf(stderr, "[fleet] %s\n", line.c_str());
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t i =
      std::min(values.size() - 1, static_cast<size_t>(p * values.size()));
  return values[i];
}

std::string JobYaml(int replicas, int accelerators, double runtime_s,
                    const std::string& kind) {
  return absl::StrCat(
      "name: fleet\ntask_groups:\n  - name: main\n    replicas: ", replicas,
      "\n    accelerators: {count: ", accelerators,
      kind.empty() ? "" : absl::StrCat(", kinds: [", kind, "]"),
      "}\n    command: [\"simulated\"]\n    env: {HETSCHED_SIM_RUNTIME_S: '",
      runtime_s, "'}\n");
}

absl::StatusOr<v1::Job> GetJob(v1::JobService::Stub& jobs,
                               const std::string& id) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::GetJobRequest request;
  request.set_job_id(id);
  v1::Job job;
  grpc::Status s = jobs.GetJob(&ctx, request, &job);
  if (!s.ok()) return absl::UnavailableError(s.error_message());
  return job;
}

bool Terminal(v1::JobState s) {
  return s == v1::JOB_STATE_SUCCEEDED || s == v1::JOB_STATE_FAILED ||
         s == v1::JOB_STATE_CANCELLED;
}

double ScrapeSum(const std::string& address, const std::string& name,
                 const std::string& filter) {
  auto text = ScrapeMetrics(address);
  return text.ok() ? SumSeries(*text, name, filter) : -1;
}

struct Flags {
  int hosts = 100;
  std::vector<std::string> inventories;
  int submitters = 8;
  double duration_s = 30;
  double rate = 0;
  double job_runtime_s = 0;
  int replicas = 1;
  int accelerators = 1;
  std::string kind;
  double drain_s = 60;
  int restart_jobs = 0;
  int heartbeat_ms = 2000;
  double node_lost_timeout_s = 20;
  std::string store = "sqlite";
  int etcd_members = 3;
  std::string dir;
  bool keep = false;
};

int Run(const Flags& f, const std::string& dir) {
  Say("scratch directory " + dir);
  std::unique_ptr<testing::EtcdCluster> etcd;
  if (f.store == "etcd") {
    std::filesystem::create_directories(dir + "/etcd");
    auto started = testing::EtcdCluster::Start(f.etcd_members, dir + "/etcd");
    if (!started.ok()) {
      Say("etcd: " + std::string(started.status().message()));
      return 1;
    }
    etcd = std::move(*started);
    Say(absl::StrFormat("etcd: %d members on %s", f.etcd_members,
                        etcd->endpoints()));
  }
  FleetCluster cluster({dir, HETSCHED_SCHEDULER_BIN, HETSCHED_AGENT_BIN,
                        f.heartbeat_ms, f.node_lost_timeout_s,
                        etcd ? etcd->endpoints() : ""});
  if (auto s = cluster.StartScheduler(); !s.ok()) {
    Say("scheduler: " + std::string(s.message()));
    return 1;
  }
  const pid_t scheduler = cluster.scheduler_pid();

  // Registration: from the first agent's start to every host READY.
  const absl::Time reg_start = absl::Now();
  const int n = static_cast<int>(f.inventories.size());
  for (int i = 0; i < n; ++i) {
    const int hosts = f.hosts / n + (i < f.hosts % n ? 1 : 0);
    const std::string prefix =
        std::filesystem::path(f.inventories[i]).stem().string();
    if (auto s = cluster.StartAgent(f.inventories[i], prefix, hosts); !s.ok()) {
      Say("agent " + prefix + ": " + std::string(s.message()));
      return 1;
    }
  }
  if (auto s = cluster.WaitReady(f.hosts, absl::Seconds(300)); !s.ok()) {
    Say(std::string(s.message()));
    return 1;
  }
  const double registration_s = absl::ToDoubleSeconds(absl::Now() - reg_start);
  Say(absl::StrFormat("%d hosts READY in %.2f s", f.hosts, registration_s));

  // Idle: the fleet heartbeating, no jobs.
  auto idle0 = ReadProc(scheduler);
  absl::SleepFor(absl::Seconds(5));
  auto idle1 = ReadProc(scheduler);
  const double idle_cpu =
      (idle1->cpu_seconds - idle0->cpu_seconds) / 5.0 * 100.0;

  // Load.
  auto spec = spec::ParseJobSpecYaml(
      JobYaml(f.replicas, f.accelerators, f.job_runtime_s, f.kind));
  if (!spec.ok()) {
    Say("job spec: " + std::string(spec.status().message()));
    return 2;
  }
  const std::string metrics = cluster.metrics_address();
  const double writes0 =
      ScrapeSum(metrics, "hetsched_store_writes_total", "result=\"ok\"");
  auto load0 = ReadProc(scheduler);
  std::vector<double> agent_cpu0;
  for (pid_t p : cluster.agent_pids()) {
    agent_cpu0.push_back(ReadProc(p)->cpu_seconds);
  }
  ProcSample peak = *load0;
  std::atomic<bool> sampling{true};
  std::thread sampler([&] {
    while (sampling.load()) {
      if (auto s = ReadProc(scheduler); s.ok()) {
        peak.rss_bytes = std::max(peak.rss_bytes, s->rss_bytes);
        peak.threads = std::max(peak.threads, s->threads);
      }
      absl::SleepFor(absl::Milliseconds(500));
    }
  });
  FleetLoad load({f.submitters, absl::Seconds(f.duration_s), f.rate},
                 [&cluster] { return cluster.NewChannel(); });
  Say(absl::StrFormat("submitting for %.0f s from %d submitters", f.duration_s,
                      f.submitters));
  LoadResult result = load.Run(*spec);
  auto load1 = ReadProc(scheduler);
  const double writes1 =
      ScrapeSum(metrics, "hetsched_store_writes_total", "result=\"ok\"");
  double agent_cpu = 0;
  std::vector<pid_t> agents = cluster.agent_pids();
  for (size_t i = 0; i < agents.size(); ++i) {
    agent_cpu += ReadProc(agents[i])->cpu_seconds - agent_cpu0[i];
  }
  sampling = false;
  sampler.join();
  const double window = absl::ToDoubleSeconds(result.end - result.start);

  // Drain: wait for the last job of the run, then read every job.
  Say(absl::StrFormat(
      "%zu jobs accepted (%lld errors%s); draining", result.accepted.size(),
      static_cast<long long>(result.errors),
      result.first_error.empty() ? "" : ": " + result.first_error));
  const absl::Time drain_deadline = absl::Now() + absl::Seconds(f.drain_s);
  if (!result.accepted.empty() && f.job_runtime_s < f.drain_s) {
    // Jobs are placed in submission order per queue; the newest last.
    std::vector<Submission> newest = result.accepted;
    std::sort(newest.begin(), newest.end(),
              [](const Submission& a, const Submission& b) {
                return a.job_id.size() != b.job_id.size()
                           ? a.job_id.size() > b.job_id.size()
                           : a.job_id > b.job_id;
              });
    newest.resize(std::min<size_t>(newest.size(), 8));
    while (absl::Now() < drain_deadline) {
      bool done = true;
      for (const auto& s : newest) {
        auto job = GetJob(cluster.jobs(), s.job_id);
        done = done && job.ok() && Terminal(job->state());
      }
      if (done) break;
      absl::SleepFor(absl::Milliseconds(200));
    }
  }
  const int64_t t0 = absl::ToUnixMillis(result.start);
  const int64_t t1 = absl::ToUnixMillis(result.end);
  int64_t started_in_window = 0, succeeded_in_window = 0, started = 0,
          succeeded = 0, failed = 0;
  std::vector<double> to_running_ms, submit_ms;
  for (const auto& s : result.accepted) {
    submit_ms.push_back(absl::ToDoubleMilliseconds(s.latency));
    auto job = GetJob(cluster.jobs(), s.job_id);
    if (!job.ok()) continue;
    if (job->start_time_ms() > 0) {
      ++started;
      started_in_window += job->start_time_ms() <= t1;
      to_running_ms.push_back(
          static_cast<double>(job->start_time_ms() - job->submit_time_ms()));
    }
    if (job->state() == v1::JOB_STATE_SUCCEEDED) {
      ++succeeded;
      succeeded_in_window += job->end_time_ms() <= t1;
    }
    failed += job->state() == v1::JOB_STATE_FAILED;
  }
  (void)t0;

  const std::string store =
      f.store == "etcd" ? absl::StrCat("etcd (", f.etcd_members, " members)")
                        : f.store;
  std::printf(
      "\n## fleet: %d hosts, %d submitters, %.0f s, job runtime %g s, "
      "store %s\n",
      f.hosts, f.submitters, window, f.job_runtime_s, store.c_str());
  std::printf("registration (all READY)      %.2f s\n", registration_s);
  std::printf("scheduler idle CPU            %.1f%% of a core\n", idle_cpu);
  std::printf("jobs accepted                 %zu (%.1f/s), errors %lld\n",
              result.accepted.size(), result.accepted.size() / window,
              static_cast<long long>(result.errors));
  std::printf("jobs placed in window         %lld (%.1f/s); all started %lld\n",
              static_cast<long long>(started_in_window),
              started_in_window / window, static_cast<long long>(started));
  std::printf(
      "jobs run (SUCCEEDED) in window %lld (%.1f/s); all %lld, "
      "failed %lld\n",
      static_cast<long long>(succeeded_in_window), succeeded_in_window / window,
      static_cast<long long>(succeeded), static_cast<long long>(failed));
  std::printf("submit RPC p50 / p99          %.1f / %.1f ms\n",
              Percentile(submit_ms, 0.5), Percentile(submit_ms, 0.99));
  std::printf("submit->running p50 / p99     %.0f / %.0f ms\n",
              Percentile(to_running_ms, 0.5), Percentile(to_running_ms, 0.99));
  std::printf("scheduler CPU under load      %.1f%% of a core\n",
              (load1->cpu_seconds - load0->cpu_seconds) / window * 100.0);
  std::printf("agents' CPU under load        %.1f%% of a core\n",
              agent_cpu / window * 100.0);
  std::printf(
      "scheduler RSS / threads       %.0f MiB / %d (peak %.0f MiB / "
      "%d)\n",
      load1->rss_bytes / 1048576.0, load1->threads, peak.rss_bytes / 1048576.0,
      peak.threads);
  std::printf(
      "store writes (ok) per second  %.1f\n",
      writes0 >= 0 && writes1 >= 0 ? (writes1 - writes0) / window : -1.0);

  if (f.restart_jobs > 0) {
    Say(absl::StrFormat("restart: starting %d long jobs", f.restart_jobs));
    auto long_spec =
        spec::ParseJobSpecYaml(JobYaml(1, f.accelerators, 86400, f.kind));
    std::vector<std::string> ids;
    for (int i = 0; i < f.restart_jobs; ++i) {
      grpc::ClientContext ctx;
      v1::SubmitJobRequest request;
      *request.mutable_spec() = *long_spec;
      v1::SubmitJobResponse response;
      if (cluster.jobs().SubmitJob(&ctx, request, &response).ok()) {
        ids.push_back(response.job_id());
      }
    }
    std::vector<std::string> waiting = ids;
    const absl::Time deadline = absl::Now() + absl::Seconds(300);
    while (!waiting.empty() && absl::Now() < deadline) {
      std::erase_if(waiting, [&](const std::string& id) {
        auto job = GetJob(cluster.jobs(), id);
        return job.ok() && job->state() == v1::JOB_STATE_RUNNING;
      });
      if (!waiting.empty()) absl::SleepFor(absl::Milliseconds(200));
    }
    Say(absl::StrFormat("%zu of %zu RUNNING; SIGKILL the scheduler",
                        ids.size() - waiting.size(), ids.size()));
    cluster.CrashScheduler();
    const absl::Time killed = absl::Now();
    if (auto s = cluster.StartScheduler(); !s.ok()) {
      Say("restart: " + std::string(s.message()));
      return 1;
    }
    const double serving_s = absl::ToDoubleSeconds(absl::Now() - killed);
    auto ready = cluster.WaitReady(f.hosts, absl::Seconds(300));
    const double ready_s = absl::ToDoubleSeconds(absl::Now() - killed);
    auto counts_ready = cluster.CountNodes();
    // Past the lost timeout: would anything still be declared LOST?
    absl::SleepFor(absl::Seconds(f.node_lost_timeout_s + 2));
    auto counts = cluster.CountNodes();
    int running = 0, requeued = 0, failed_jobs = 0, other = 0;
    for (const auto& id : ids) {
      auto job = GetJob(cluster.jobs(), id);
      if (!job.ok()) {
        ++other;
      } else if (job->state() == v1::JOB_STATE_RUNNING && job->attempt() <= 1) {
        ++running;
      } else if (job->state() == v1::JOB_STATE_FAILED) {
        ++failed_jobs;
      } else if (job->attempt() > 1 || job->state() == v1::JOB_STATE_PENDING) {
        ++requeued;
      } else {
        ++other;
      }
    }
    std::printf("\n## restart: SIGKILL with %zu jobs running\n", ids.size());
    std::printf("serving again after           %.2f s\n", serving_s);
    std::printf("all hosts READY after         %s\n",
                ready.ok() ? absl::StrFormat("%.2f s", ready_s).c_str()
                           : "not within 300 s");
    std::printf("nodes LOST at all-READY / after %.0f s  %d / %d\n",
                f.node_lost_timeout_s + 2,
                counts_ready.ok() ? counts_ready->lost : -1,
                counts.ok() ? counts->lost : -1);
    std::printf(
        "jobs still RUNNING (attempt 1) %d, requeued %d, failed %d, "
        "other %d\n",
        running, requeued, failed_jobs, other);
    auto after = ReadProc(cluster.scheduler_pid());
    if (after.ok()) {
      std::printf("scheduler RSS / threads       %.0f MiB / %d\n",
                  after->rss_bytes / 1048576.0, after->threads);
    }
  }
  std::fflush(stdout);
  Say("stopping");
  return 0;
}

}  // namespace
}  // namespace hetsched::bench

int main(int argc, char** argv) {
  hetsched::bench::Flags f;
  CLI::App app{"hetsched-bench-fleet: the control plane with simulated hosts"};
  app.add_option("--hosts", f.hosts, "simulated hosts in all")
      ->check(CLI::Range(1, 100000));
  app.add_option("--inventory", f.inventories,
                 "inventory files; hosts are split evenly, one agent process "
                 "each (default: bench/fleet/*.yaml)");
  app.add_option("--submitters", f.submitters, "concurrent gRPC submitters")
      ->check(CLI::Range(1, 1024));
  app.add_option("--duration-s", f.duration_s, "how long to submit")
      ->check(CLI::Range(1.0, 3600.0));
  app.add_option("--rate", f.rate, "jobs per second in all; 0: closed loop");
  app.add_option("--job-runtime-s", f.job_runtime_s,
                 "HETSCHED_SIM_RUNTIME_S of every job");
  app.add_option("--replicas", f.replicas, "replicas per job (a gang)");
  app.add_option("--accelerators", f.accelerators, "accelerators per replica");
  app.add_option("--kind", f.kind, "accelerator kind jobs ask for (any)");
  app.add_option("--drain-s", f.drain_s,
                 "how long to wait for the last jobs after submitting");
  app.add_option("--restart-jobs", f.restart_jobs,
                 "then SIGKILL the scheduler with this many jobs running "
                 "and restart it (0: skip)");
  app.add_option("--heartbeat-ms", f.heartbeat_ms,
                 "the scheduler's --heartbeat-ms");
  app.add_option("--node-lost-timeout-s", f.node_lost_timeout_s,
                 "the scheduler's --node-lost-timeout-s");
  app.add_option("--store", f.store,
                 "the scheduler's store: sqlite, or etcd on a cluster the "
                 "benchmark starts (Debian's etcd-server)")
      ->check(CLI::IsMember({"sqlite", "etcd"}))
      ->capture_default_str();
  app.add_option("--etcd-members", f.etcd_members,
                 "members of that etcd cluster")
      ->check(CLI::Range(1, 5))
      ->capture_default_str();
  app.add_option("--dir", f.dir,
                 "scratch directory, kept (default: a new one in /tmp, "
                 "removed at the end unless --keep)");
  app.add_flag("--keep", f.keep, "keep the scratch directory");
  CLI11_PARSE(app, argc, argv);
  std::string dir = f.dir;
  if (dir.empty()) {
    std::string tmpl = "/tmp/hetsched-fleet-XXXXXX";
    dir = mkdtemp(tmpl.data());
  }
  std::filesystem::create_directories(dir);
  if (f.inventories.empty()) {
    for (const char* name : {"h100", "trn2", "inf2"}) {
      f.inventories.push_back(
          absl::StrCat(HETSCHED_BENCH_FLEET_DIR, "/", name, ".yaml"));
    }
  }
  const int rc = hetsched::bench::Run(f, dir);
  if (f.dir.empty() && !f.keep) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  return rc;
}
