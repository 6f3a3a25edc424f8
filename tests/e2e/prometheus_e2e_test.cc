// End to end with a real Prometheus: the scheduler and two agents as
// processes on loopback, a Prometheus server scraping them with the job
// names and rules shipped in deploy/prometheus/ (the config generated to
// point at the ports chosen at run time, scrape interval 1 s), jobs
// submitted with the CLI, and then Prometheus's query API must report what
// the CLI reports: allocated accelerators per kind, jobs per state, queue
// depth, and from the agents' own metrics the replicas running and ended.
// Skips when no `prometheus` binary is installed.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "hetsched/v1/scheduler.grpc.pb.h"
#include "nlohmann/json.hpp"
#include "tests/e2e/http_get.h"
#include "tests/integration/child_process.h"
#include "tests/integration/local_cluster.h"

namespace hetsched::testing {
namespace {

using Figures = std::map<std::string, double>;

constexpr absl::Duration kTimeout = absl::Seconds(60);

void Pause() { std::this_thread::sleep_for(std::chrono::milliseconds(100)); }

std::string FindPrometheus() {
  if (const char* env = getenv("PROMETHEUS_BIN"); env && *env) return env;
  for (const char* p : {"/usr/bin/prometheus", "/usr/local/bin/prometheus"}) {
    if (access(p, X_OK) == 0) return p;
  }
  return "";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The address after `marker` on line `index` (0-based) of a daemon's
// stdout (its stderr log lines may be written first).
absl::StatusOr<std::string> WaitForLine(ChildProcess& child, int index,
                                        const std::string& marker) {
  const absl::Time deadline = absl::Now() + kTimeout;
  while (absl::Now() < deadline) {
    std::istringstream log(child.Stdout());
    std::string line;
    for (int i = 0; std::getline(log, line); ++i) {
      if (i != index || log.eof()) continue;  // only complete lines
      size_t at = line.find(marker);
      if (at == std::string::npos) {
        return absl::InternalError("unexpected line: " + line);
      }
      return line.substr(at + marker.size());
    }
    if (ProcessGone(child.pid())) {
      return absl::InternalError("exited: " + child.Log());
    }
    Pause();
  }
  return absl::DeadlineExceededError("no line " + marker);
}

// Figures from the CLI, the way an operator reads them.
struct CliFigures {
  Figures allocated_by_kind;
  Figures jobs_by_state;  // "pending", "running", ...
  Figures pending_by_queue;
  double running_replicas = 0;  // replicas of RUNNING jobs
};

void DropZeros(Figures& f) {
  std::erase_if(f, [](const auto& kv) { return kv.second == 0; });
}

class PrometheusEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    prometheus_bin_ = FindPrometheus();
    if (prometheus_bin_.empty()) {
      GTEST_SKIP() << "no prometheus binary (PROMETHEUS_BIN, /usr/bin); "
                      "scripts/install-deps installs Debian's prometheus";
    }
    std::string tmpl = "/tmp/hetsched-e2e-XXXXXX";
    dir_ = mkdtemp(tmpl.data());
  }

  void TearDown() override {
    if (prometheus_) prometheus_->Stop();
    for (auto& a : agents_) a->Stop();
    if (scheduler_) scheduler_->Stop();
    KillSupervisorsUnder(dir_);  // the tasks the agents left
  }

  void StartScheduler() {
    auto child = ChildProcess::Start(
        {HETSCHED_SCHEDULER_BIN, "--listen", "127.0.0.1:0", "--metrics-listen",
         "127.0.0.1:0", "--data-dir", dir_ + "/scheduler", "--heartbeat-ms",
         "200", "--kill-grace-s", "1"},
        dir_ + "/scheduler.log");
    ASSERT_TRUE(child.ok()) << child.status();
    scheduler_ = std::move(*child);
    auto listen = WaitForLine(*scheduler_, 0, " listening on ");
    ASSERT_TRUE(listen.ok()) << listen.status();
    auto metrics =
        WaitForLine(*scheduler_, 1, "hetsched-scheduler metrics on ");
    ASSERT_TRUE(metrics.ok()) << metrics.status();
    address_ = *listen;
    scheduler_metrics_ = *metrics;
    auto channel =
        grpc::CreateChannel(address_, grpc::InsecureChannelCredentials());
    nodes_ = v1::NodeService::NewStub(channel);
    jobs_ = v1::JobService::NewStub(channel);
  }

  void StartAgent(const std::string& name, const std::string& kind, int count) {
    const std::string inventory = dir_ + "/" + name + ".yaml";
    std::ofstream(inventory)
        << "instance_type: test\n"
        << "accelerators: {kind: " << kind << ", count: " << count << "}\n"
        << "labels: {provider: aws}\n";
    auto child = ChildProcess::Start(
        {HETSCHED_AGENT_BIN, "--scheduler", address_, "--name", name,
         "--inventory", inventory, "--work-dir", dir_ + "/" + name,
         "--heartbeat-ms", "200", "--kill-grace-s", "1", "--metrics-listen",
         "127.0.0.1:0"},
        dir_ + "/agent-" + name + ".log");
    ASSERT_TRUE(child.ok()) << child.status();
    auto listen = WaitForLine(**child, 0, "hetsched-agent listening on ");
    ASSERT_TRUE(listen.ok()) << listen.status();
    auto metrics = WaitForLine(**child, 1, "hetsched-agent metrics on ");
    ASSERT_TRUE(metrics.ok()) << metrics.status();
    agent_metrics_.push_back(*metrics);
    agents_.push_back(std::move(*child));
  }

  // The shipped scrape config's job names, pointed at this run's ports.
  std::string PrometheusConfig() {
    const std::string shipped =
        ReadFile(HETSCHED_SOURCE_DIR "/deploy/prometheus/prometheus.yml");
    EXPECT_TRUE(absl::StrContains(shipped, "job_name: hetsched-scheduler"));
    EXPECT_TRUE(absl::StrContains(shipped, "job_name: hetsched-agent"));
    return absl::StrCat(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n",
        "rule_files:\n",
        "  - " HETSCHED_SOURCE_DIR
        "/deploy/prometheus/hetsched-recording-rules.yml\n",
        "  - " HETSCHED_SOURCE_DIR
        "/deploy/prometheus/hetsched-alert-rules.yml\n",
        "scrape_configs:\n", "  - job_name: hetsched-scheduler\n",
        "    static_configs:\n      - targets: ['", scheduler_metrics_, "']\n",
        "  - job_name: hetsched-agent\n",
        "    static_configs:\n      - targets: ['",
        absl::StrJoin(agent_metrics_, "', '"), "']\n");
  }

  void StartPrometheus() {
    const std::string config = dir_ + "/prometheus.yml";
    std::ofstream(config) << PrometheusConfig();
    // Prometheus cannot report a port it picked: take a free one, and try
    // again should another process take it first.
    for (int attempt = 0; attempt < 3; ++attempt) {
      auto port = FreeLoopbackPort();
      ASSERT_TRUE(port.ok()) << port.status();
      auto child = ChildProcess::Start(
          {prometheus_bin_, "--config.file=" + config,
           "--storage.tsdb.path=" + dir_ + "/prometheus-data",
           absl::StrCat("--web.listen-address=127.0.0.1:", *port),
           "--log.level=warn"},
          absl::StrCat(dir_, "/prometheus-", attempt, ".log"));
      ASSERT_TRUE(child.ok()) << child.status();
      const absl::Time deadline = absl::Now() + kTimeout;
      while (absl::Now() < deadline && !ProcessGone((*child)->pid())) {
        auto ready = HttpGet("127.0.0.1", *port, "/-/ready");
        if (ready.ok() && ready->status == 200) {
          prometheus_ = std::move(*child);
          prometheus_port_ = *port;
          return;
        }
        Pause();
      }
      std::cerr << "prometheus did not start: " << (*child)->Log() << "\n";
    }
    FAIL() << "prometheus did not start";
  }

  // An instant query, one figure per value of `by` (the empty label: "").
  absl::StatusOr<Figures> Query(const std::string& expr,
                                const std::string& by) {
    auto r = HttpGet("127.0.0.1", prometheus_port_,
                     "/api/v1/query?query=" + UrlEncode(expr));
    if (!r.ok()) return r.status();
    auto doc = nlohmann::json::parse(r->body, nullptr, false);
    if (doc.is_discarded() || doc.value("status", "") != "success") {
      return absl::InternalError(expr + ": " + r->body);
    }
    Figures out;
    for (const auto& s : doc["data"]["result"]) {
      std::string key = s["metric"].value(by, "");
      out[key] = std::stod(s["value"][1].get<std::string>());
    }
    return out;
  }

  CliFigures FromCli() {
    CliFigures f;
    CommandResult nodes = RunCommand(
        {HETSCHED_CLI_BIN, "--scheduler", address_, "nodes", "-o", "json"});
    EXPECT_EQ(nodes.exit_code, 0) << nodes.err;
    v1::ListNodesResponse node_list;
    EXPECT_TRUE(
        google::protobuf::util::JsonStringToMessage(nodes.out, &node_list).ok())
        << nodes.out;
    for (const auto& n : node_list.nodes()) {
      f.allocated_by_kind[n.info().accelerators(0).kind()] +=
          n.accelerators_allocated();
    }
    CommandResult jobs = RunCommand({HETSCHED_CLI_BIN, "--scheduler", address_,
                                     "jobs", "--all", "-o", "json"});
    EXPECT_EQ(jobs.exit_code, 0) << jobs.err;
    v1::ListJobsResponse job_list;
    EXPECT_TRUE(
        google::protobuf::util::JsonStringToMessage(jobs.out, &job_list).ok())
        << jobs.out;
    for (const auto& j : job_list.jobs()) {
      std::string state = v1::JobState_Name(j.state()).substr(10);
      std::transform(state.begin(), state.end(), state.begin(), ::tolower);
      f.jobs_by_state[state] += 1;
      if (j.state() == v1::JOB_STATE_RUNNING) {
        for (const auto& g : j.spec().task_groups()) {
          f.running_replicas += g.replicas();
        }
      }
      if (j.state() == v1::JOB_STATE_PENDING) {
        f.pending_by_queue[j.spec().queue().empty() ? "default"
                                                    : j.spec().queue()] += 1;
      }
    }
    DropZeros(f.allocated_by_kind);
    return f;
  }

  std::string Submit(const std::string& name, const std::string& queue,
                     int replicas, int count, const std::string& kind,
                     const std::string& script) {
    const std::string path = dir_ + "/" + name + ".yaml";
    std::ofstream(path) << "name: " << name << "\nqueue: " << queue
                        << "\ntask_groups:\n  - name: main\n    replicas: "
                        << replicas << "\n    accelerators: {count: " << count
                        << ", kinds: [" << kind << "]}\n"
                        << "    command: [\"sh\", \"-c\", \"" << script
                        << "\"]\n";
    CommandResult r =
        RunCommand({HETSCHED_CLI_BIN, "--scheduler", address_, "submit", path});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::string id = r.out;
    while (!id.empty() && isspace(id.back())) id.pop_back();
    return id;
  }

  v1::JobState WaitForJob(const std::string& id,
                          const std::vector<v1::JobState>& states) {
    const absl::Time deadline = absl::Now() + kTimeout;
    v1::Job job;
    while (absl::Now() < deadline) {
      grpc::ClientContext ctx;
      v1::GetJobRequest req;
      req.set_job_id(id);
      if (jobs_->GetJob(&ctx, req, &job).ok()) {
        for (auto s : states) {
          if (job.state() == s) return s;
        }
      }
      Pause();
    }
    ADD_FAILURE() << "job " << id << " stayed " << job.ShortDebugString();
    return job.state();
  }

  // The shared scene: a scheduler, an H100 and a Trainium2 agent, a
  // Prometheus scraping them, a 2-replica H100 gang and a Trainium2 job
  // that keep running, and one Trainium2 job that has succeeded.
  void StartFleetWithJobs() {
    ASSERT_NO_FATAL_FAILURE(StartScheduler());
    ASSERT_NO_FATAL_FAILURE(StartAgent("h100-0", "nvidia/h100", 8));
    ASSERT_NO_FATAL_FAILURE(StartAgent("trn2-0", "aws/trainium2", 16));
    ASSERT_NO_FATAL_FAILURE(WaitForReadyNodes(2));
    ASSERT_NO_FATAL_FAILURE(StartPrometheus());
    const std::string gang =
        Submit("gang", "research", 2, 4, "nvidia/h100", "sleep 600");
    const std::string trn =
        Submit("trn", "prod", 1, 8, "aws/trainium2", "sleep 600");
    const std::string quick =
        Submit("quick", "prod", 1, 4, "aws/trainium2", "exit 0");
    ASSERT_EQ(WaitForJob(gang, {v1::JOB_STATE_RUNNING}), v1::JOB_STATE_RUNNING);
    ASSERT_EQ(WaitForJob(trn, {v1::JOB_STATE_RUNNING}), v1::JOB_STATE_RUNNING);
    ASSERT_EQ(WaitForJob(quick, {v1::JOB_STATE_SUCCEEDED}),
              v1::JOB_STATE_SUCCEEDED);
  }

  void WaitForReadyNodes(int count) {
    const absl::Time deadline = absl::Now() + kTimeout;
    while (absl::Now() < deadline) {
      grpc::ClientContext ctx;
      v1::ListNodesResponse nodes;
      if (nodes_->ListNodes(&ctx, {}, &nodes).ok()) {
        int ready = 0;
        for (const auto& n : nodes.nodes()) {
          ready += n.state() == v1::NODE_STATE_READY;
        }
        if (ready >= count) return;
      }
      Pause();
    }
    FAIL() << "nodes did not become ready";
  }

  std::string prometheus_bin_;
  std::string dir_;
  std::string address_;
  std::string scheduler_metrics_;
  std::vector<std::string> agent_metrics_;
  int prometheus_port_ = 0;
  std::unique_ptr<ChildProcess> scheduler_;
  std::vector<std::unique_ptr<ChildProcess>> agents_;
  std::unique_ptr<ChildProcess> prometheus_;
  std::unique_ptr<v1::NodeService::Stub> nodes_;
  std::unique_ptr<v1::JobService::Stub> jobs_;
};

TEST_F(PrometheusEndToEndTest, ScrapedFiguresMatchWhatTheCliReports) {
  ASSERT_NO_FATAL_FAILURE(StartFleetWithJobs());
  // Two gangs keep running and one job finished (StartFleetWithJobs); two
  // more wait: the H100s are full, and 16 Trainium2 never free up while one
  // runs.
  const std::string wait_h100 =
      Submit("wait-h100", "research", 1, 8, "nvidia/h100", "sleep 1");
  const std::string wait_trn =
      Submit("wait-trn", "prod", 1, 16, "aws/trainium2", "sleep 1");
  EXPECT_EQ(WaitForJob(wait_h100, {v1::JOB_STATE_PENDING}),
            v1::JOB_STATE_PENDING);

  const CliFigures cli = FromCli();
  EXPECT_EQ(cli.allocated_by_kind,
            (Figures{{"aws/trainium2", 8}, {"nvidia/h100", 8}}));
  EXPECT_EQ(cli.jobs_by_state,
            (Figures{{"pending", 2}, {"running", 2}, {"succeeded", 1}}));
  EXPECT_EQ(cli.pending_by_queue, (Figures{{"prod", 1}, {"research", 1}}));

  // Prometheus catches up within a few scrapes; poll until it agrees.
  Figures allocated, jobs, pending;
  const absl::Time deadline = absl::Now() + kTimeout;
  while (absl::Now() < deadline) {
    auto a = Query(
        "sum by (kind) "
        "(hetsched_accelerators_allocated{job=\"hetsched-scheduler\"})",
        "kind");
    auto j = Query("sum by (state) (hetsched_jobs{job=\"hetsched-scheduler\"})",
                   "state");
    auto p = Query(
        "sum by (queue) "
        "(hetsched_queue_pending_jobs{job=\"hetsched-scheduler\"})",
        "queue");
    ASSERT_TRUE(a.ok() && j.ok() && p.ok())
        << a.status() << j.status() << p.status();
    allocated = *a;
    jobs = *j;
    pending = *p;
    DropZeros(allocated);
    DropZeros(jobs);
    DropZeros(pending);
    if (allocated == cli.allocated_by_kind && jobs == cli.jobs_by_state &&
        pending == cli.pending_by_queue) {
      break;
    }
    Pause();
  }
  EXPECT_EQ(allocated, cli.allocated_by_kind);
  EXPECT_EQ(jobs, cli.jobs_by_state);
  EXPECT_EQ(pending, cli.pending_by_queue);

  // The scrape target is up, and the shipped rules loaded and evaluate.
  auto up = Query("up{job=\"hetsched-scheduler\"}", "job");
  ASSERT_TRUE(up.ok()) << up.status();
  EXPECT_EQ(*up, (Figures{{"hetsched-scheduler", 1}}));
  auto rules = HttpGet("127.0.0.1", prometheus_port_, "/api/v1/rules");
  ASSERT_TRUE(rules.ok()) << rules.status();
  EXPECT_TRUE(
      absl::StrContains(rules->body, "\"name\":\"hetsched.recording\""));
  EXPECT_TRUE(absl::StrContains(rules->body, "\"name\":\"hetsched.alerts\""));
  EXPECT_FALSE(absl::StrContains(rules->body, "\"health\":\"err\""))
      << rules->body;
}

TEST_F(PrometheusEndToEndTest, ScrapedAgentFiguresMatchTheReplicas) {
  ASSERT_NO_FATAL_FAILURE(StartFleetWithJobs());
  // Three replicas keep running on the two hosts, one succeeded.
  const CliFigures cli = FromCli();
  EXPECT_EQ(cli.running_replicas, 3);

  Figures running, succeeded, connected, up, rtt;
  const absl::Time deadline = absl::Now() + kTimeout;
  while (absl::Now() < deadline) {
    auto r = Query(
        "sum(hetsched_agent_tasks{job=\"hetsched-agent\",state=\"running\"})",
        "");
    auto s = Query(
        "sum(hetsched_agent_tasks_ended_total{job=\"hetsched-agent\","
        "state=\"succeeded\"})",
        "");
    auto c = Query(
        "sum(hetsched_agent_scheduler_connected{job=\"hetsched-agent\"})", "");
    auto u = Query("sum(up{job=\"hetsched-agent\"})", "");
    auto h = Query(
        "sum(hetsched_agent_heartbeat_round_trip_seconds_count"
        "{job=\"hetsched-agent\"}) > bool 0",
        "");
    ASSERT_TRUE(r.ok() && s.ok() && c.ok() && u.ok() && h.ok())
        << r.status() << s.status() << c.status() << u.status() << h.status();
    running = *r;
    succeeded = *s;
    connected = *c;
    up = *u;
    rtt = *h;
    if (running == Figures{{"", cli.running_replicas}} &&
        succeeded == Figures{{"", 1}} && connected == Figures{{"", 2}} &&
        up == Figures{{"", 2}} && rtt == Figures{{"", 1}}) {
      break;
    }
    Pause();
  }
  EXPECT_EQ(running, (Figures{{"", cli.running_replicas}}));
  EXPECT_EQ(succeeded, (Figures{{"", 1}}));
  EXPECT_EQ(connected, (Figures{{"", 2}}));
  EXPECT_EQ(up, (Figures{{"", 2}}));
  EXPECT_EQ(rtt, (Figures{{"", 1}}));  // heartbeats were acknowledged

  // Simulated hosts: no NVML, so no GPU series, and the gauge says so.
  auto nvml = Query("hetsched_agent_nvml_available{job=\"hetsched-agent\"}",
                    "instance");
  ASSERT_TRUE(nvml.ok()) << nvml.status();
  ASSERT_EQ(nvml->size(), 2u);
  for (const auto& [instance, value] : *nvml) EXPECT_EQ(value, 0) << instance;
}

}  // namespace
}  // namespace hetsched::testing
