// hetsched-agent: one per host. Discovers the host's accelerators, serves
// task logs, registers with the scheduler and runs the tasks it assigns.
// Prints "hetsched-agent listening on HOST:PORT" as its first stdout line
// (scripts read the port from it), then with --metrics-listen
// "hetsched-agent metrics on HOST:PORT" and with --health-listen
// "hetsched-agent health on HOST:PORT"; everything else goes to stderr.
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "agent/agent_log.h"
#include "agent/agent_metrics.h"
#include "agent/calibration_loop.h"
#include "agent/calibration_runner.h"
#include "agent/collective_tests.h"
#include "agent/discovery.h"
#include "agent/disk_guard.h"
#include "agent/job_mapping_files.h"
#include "agent/lease_fence.h"
#include "agent/log_service.h"
#include "agent/node_info.h"
#include "agent/nvml_metrics.h"
#include "agent/output_relay.h"
#include "agent/progress_reporter.h"
#include "agent/scheduler_link.h"
#include "agent/simulated_agent.h"
#include "agent/task_dirs.h"
#include "agent/task_manager.h"
#include "agent/workdir_cache.h"
#include "common/build_info.h"
#include "common/health_port.h"
#include "common/log.h"
#include "common/log_flags.h"
#include "common/service_notify.h"
#include "common/tls.h"
#include "common/tls_flags.h"
#include "prometheus/exposer.h"

namespace hetsched::agent {
namespace {

constexpr int kBadInput = 2;
// How often the work dir's free space is measured (also before each
// assignment).
constexpr absl::Duration kDiskCheckPeriod = absl::Seconds(10);

struct HostPort {
  std::string host;
  int port = 0;
};

// "HOST:PORT", "[v6]:PORT"; the host keeps its brackets so it can be
// joined back with a port.
bool ParseHostPort(const std::string& text, int min_port, HostPort* out) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  int port = 0;
  if (!absl::SimpleAtoi(text.substr(colon + 1), &port) || port < min_port ||
      port > 65535) {
    return false;
  }
  out->host = text.substr(0, colon);
  out->port = port;
  return true;
}

// "LO-HI" with 1 <= LO < HI <= 65535.
bool ParsePortRange(const std::string& text, uint32_t* min, uint32_t* max) {
  const size_t dash = text.find('-');
  if (dash == std::string::npos) return false;
  return absl::SimpleAtoi(text.substr(0, dash), min) &&
         absl::SimpleAtoi(text.substr(dash + 1), max) && *min >= 1 &&
         *min < *max && *max <= 65535;
}

std::string Hostname() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "localhost";
  return name;
}

std::string SelfExe() {
  std::error_code ec;
  auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : path.string();
}

class ManagerHandler final : public LinkHandler {
 public:
  ManagerHandler(TaskManager* manager, CalibrationLoop* calibration,
                 CollectiveTests* collectives)
      : manager_(manager),
        calibration_(calibration),
        collectives_(collectives) {}
  void OnAssign(const v1::TaskAssignment& assignment) override {
    AgentLog(absl::StrCat("task ", assignment.task_id(), " of job ",
                          assignment.job_id(), " assigned"));
    manager_->Assign(assignment);
  }
  void OnKill(const v1::KillTask& kill) override {
    AgentLog(
        absl::StrCat("task ", kill.task_id(), ": kill (", kill.reason(), ")"));
    manager_->Kill(kill);
  }
  void OnSignal(const v1::SignalTask& order) override {
    const absl::Status s = manager_->Signal(order);
    AgentLog(
        absl::StrCat("task ", order.task_id(), ": signal ", order.signal(),
                     s.ok() ? "" : " not sent: ", s.ok() ? "" : s.message()));
  }
  std::vector<v1::TaskStatus> RunningTasks() override {
    return manager_->Running();
  }
  void OnCalibrate(const v1::RunCalibration& order) override {
    calibration_->Request(
        order.reason().empty() ? "scheduler request" : order.reason(),
        order.time_budget_s());
  }
  void OnCollective(const v1::CollectiveTestOrder& order) override {
    collectives_->Handle(order);
  }

 private:
  TaskManager* manager_;
  CalibrationLoop* calibration_;
  CollectiveTests* collectives_;
};

int Run(int argc, char** argv) {
  // Blocked before any thread exists, so every thread inherits the mask and
  // only the sigwait below sees them; children get a clean mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  CLI::App app{"hetsched-agent: runs hetsched tasks on this host"};
  app.set_version_flag("--version", VersionLine("hetsched-agent"));
  std::string scheduler;
  std::string name = Hostname();
  std::string inventory;
  std::string work_dir;
  std::string listen = "127.0.0.1:0";
  std::string metrics_listen;
  std::string advertise_host;
  int heartbeat_ms = 0;
  int kill_grace_s = 10;
  bool stop_tasks_on_exit = false;
  std::string calibrate_bin;
  std::string calibration_file;
  bool calibrate_on_start = true;
  int calibrate_every_s = 0;
  int calibration_budget_s = 100;
  int simulate_hosts = 0;
  std::string job_dir_root;
  std::string task_users_file;
  std::vector<std::string> task_env_pass = TaskManager::Options().env_pass;
  std::string rendezvous_ports = "29500-29999";
  int max_termination_grace_s = 3600;
  uint64_t max_log_bytes = kDefaultMaxLogBytes;
  uint64_t min_free_disk_bytes = uint64_t{1} << 30;
  std::string dcgm_job_mapping_dir;
  double min_free_disk_percent = 0;
  app.add_option("--scheduler", scheduler,
                 "scheduler address HOST:PORT, or every replica's, "
                 "comma-separated")
      ->envname("HETSCHED_SCHEDULER")
      ->required();
  app.add_option("--name", name, "node name (default: the host name)");
  app.add_option("--inventory", inventory,
                 "inventory YAML of a simulated host; disables discovery");
  app.add_option("--work-dir", work_dir,
                 "directory for task working dirs and logs")
      ->required();
  app.add_option("--task-users", task_users_file,
                 "YAML mapping job owners to local users; an agent running "
                 "as root runs each task as its owner's user "
                 "(docs/agent.md, \"Who a task runs as\")");
  app.add_option("--task-env-pass", task_env_pass,
                 "variables of the agent's environment a task sees (the "
                 "rest is the job's and the launch contract's)")
      ->delimiter(',');
  app.add_option("--job-dir-root", job_dir_root,
                 "where each job's HETSCHED_JOB_DIR is made, the same for "
                 "every attempt, e.g. a shared file system (default: "
                 "WORK_DIR/jobs)");
  app.add_option("--rendezvous-ports", rendezvous_ports,
                 "LO-HI: ports kept for tasks' MASTER_PORT on this host; "
                 "keep them out of ip_local_port_range")
      ->capture_default_str();
  app.add_option("--max-termination-grace-s", max_termination_grace_s,
                 "the most SIGTERM-to-SIGKILL grace a job's "
                 "termination_grace_s gets on this host")
      ->check(CLI::Range(0, 7 * 86400))
      ->capture_default_str();
  app.add_option("--max-log-bytes", max_log_bytes,
                 "the most each of a task's stdout and stderr files holds; "
                 "past it a note ends the file and the rest is dropped "
                 "(0: no cap)")
      ->capture_default_str();
  app.add_option("--dcgm-job-mapping-dir", dcgm_job_mapping_dir,
                 "keep dcgm-exporter's HPC job-mapping files here (one file "
                 "per GPU index naming its jobs; give dcgm-exporter the same "
                 "--hpc-job-mapping-dir); empty: off");
  app.add_option("--min-free-disk-bytes", min_free_disk_bytes,
                 "below this much free space on --work-dir's file system "
                 "the node reports itself unhealthy and takes no new work "
                 "(0: no floor)")
      ->capture_default_str();
  app.add_option("--min-free-disk-percent", min_free_disk_percent,
                 "the same floor as a percentage of the file system (0: "
                 "none); either floor makes the node unhealthy")
      ->check(CLI::Range(0.0, 100.0))
      ->capture_default_str();
  app.add_option("--listen", listen,
                 "log service address HOST:PORT (port 0: pick one)");
  app.add_option("--metrics-listen", metrics_listen,
                 "Prometheus /metrics address HOST:PORT (empty: off; port "
                 "0: pick one)");
  std::string health_listen;
  app.add_option("--health-listen", health_listen,
                 "plaintext gRPC health only (grpc.health.v1) at HOST:PORT, "
                 "for probes that cannot present a client certificate; "
                 "SERVING once this agent serves (empty: off)");
  TlsFiles tls_files;
  AddTlsFlags(app, tls_files, "this agent's");
  AddTlsReloadFlag(app, tls_files);
  log::LogFlags log_flags;
  log::AddLogFlags(app, log_flags);
  std::vector<std::string> log_admins;
  app.add_option("--tls-admins", log_admins,
                 "certificate common names that may read task logs here "
                 "directly (the scheduler, CN=system:scheduler, always may)")
      ->delimiter(',');
  bool allow_plaintext = false;
  app.add_flag("--insecure-allow-plaintext", allow_plaintext,
               "serve task logs without TLS on an address other hosts can "
               "reach (anyone who reaches it can read every task's output)");
  app.add_option("--advertise-host", advertise_host,
                 "host the scheduler and other ranks use to reach this host "
                 "(default: the --listen host)");
  app.add_option("--heartbeat-ms", heartbeat_ms,
                 "heartbeat interval, overriding the scheduler's (tests)")
      ->check(CLI::Range(0, 3600000));
  app.add_flag("--stop-tasks-on-exit", stop_tasks_on_exit,
               "stop every task on SIGTERM/SIGINT (reported PREEMPTED); by "
               "default tasks keep running under their supervisors and the "
               "next agent adopts them");
  app.add_option("--kill-grace-s", kill_grace_s,
                 "SIGTERM-to-SIGKILL grace at shutdown and max_runtime_s")
      ->check(CLI::Range(0, 3600));
  app.add_option("--calibrate-bin", calibrate_bin,
                 "hetsched-calibrate to run (default: next to this binary, "
                 "then on PATH)");
  app.add_option("--calibration-file", calibration_file,
                 "report this recorded calibration document instead of "
                 "running hetsched-calibrate (simulated hosts)");
  app.add_option("--calibrate-on-start", calibrate_on_start,
                 "calibrate when the agent starts (true/false)")
      ->capture_default_str();
  app.add_option("--calibrate-every-s", calibrate_every_s,
                 "calibrate again every N seconds (0: never)")
      ->check(CLI::Range(0, 365 * 86400));
  app.add_option("--calibration-budget-s", calibration_budget_s,
                 "time budget of a calibration, unless the request names one")
      ->check(CLI::Range(1, 86400));
  app.add_option("--simulate-hosts", simulate_hosts,
                 "run N simulated hosts NAME-0..NAME-(N-1) from --inventory "
                 "in this process; their tasks run no process "
                 "(docs/agent.md)")
      ->check(CLI::Range(0, 100000));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kBadInput;
  }
  log::InitFromFlags("hetsched-agent", log_flags);
  auto tls = LoadTlsCredentials(tls_files);
  if (!tls.ok()) {
    std::fprintf(stderr, "%s\n", std::string(tls.status().message()).c_str());
    return kBadInput;
  }
  if (absl::Status s = CheckPlaintextListen(
          "--listen", listen, tls_files.enabled(), allow_plaintext);
      !s.ok()) {
    std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
    return kBadInput;
  }
  if (allow_plaintext && !tls_files.enabled() && !IsLoopbackAddress(listen)) {
    log::Warn(absl::StrCat("serving task logs in plaintext on ", listen,
                           " (--insecure-allow-plaintext)"));
  }
  // One scheduler, or every replica of a highly available one.
  for (const std::string& replica :
       std::vector<std::string>(absl::StrSplit(scheduler, ','))) {
    HostPort scheduler_address;
    if (!ParseHostPort(replica, 1, &scheduler_address)) {
      std::fprintf(stderr, "--scheduler: '%s' is not HOST:PORT\n",
                   replica.c_str());
      return kBadInput;
    }
  }
  HostPort listen_address;
  if (!ParseHostPort(listen, 0, &listen_address)) {
    std::fprintf(stderr, "--listen: '%s' is not HOST:PORT\n", listen.c_str());
    return kBadInput;
  }
  HostPort metrics_address;
  if (!metrics_listen.empty() &&
      !ParseHostPort(metrics_listen, 0, &metrics_address)) {
    std::fprintf(stderr, "--metrics-listen: '%s' is not HOST:PORT\n",
                 metrics_listen.c_str());
    return kBadInput;
  }
  if (name.empty()) {
    std::fprintf(stderr, "--name: must not be empty\n");
    return kBadInput;
  }
  // Bound early, NOT_SERVING until the agent serves: a startupProbe sees
  // the process up while discovery and task adoption run.
  std::unique_ptr<HealthPort> health;
  HostPort health_address;
  if (!health_listen.empty() &&
      !ParseHostPort(health_listen, 0, &health_address)) {
    std::fprintf(stderr, "--health-listen: '%s' is not HOST:PORT\n",
                 health_listen.c_str());
    return kBadInput;
  }
  if (!health_listen.empty()) {
    auto started = HealthPort::Start(health_listen, "--health-listen");
    if (!started.ok()) {
      std::fprintf(stderr, "%s\n",
                   std::string(started.status().message()).c_str());
      return kBadInput;
    }
    health = std::move(*started);
  }
  uint32_t rendezvous_min = 0, rendezvous_max = 0;
  if (!ParsePortRange(rendezvous_ports, &rendezvous_min, &rendezvous_max)) {
    std::fprintf(stderr,
                 "--rendezvous-ports: '%s' is not LO-HI with 1 <= LO < HI "
                 "<= 65535\n",
                 rendezvous_ports.c_str());
    return kBadInput;
  }
  if (advertise_host.empty()) {
    const std::string& h = listen_address.host;
    // A wildcard address is not something a peer can dial.
    advertise_host =
        (h == "0.0.0.0" || h == "[::]" || h == "::") ? Hostname() : h;
  }
  if (advertise_host.starts_with("127.") || advertise_host == "localhost" ||
      advertise_host == "[::1]") {
    // It becomes MASTER_ADDR for the gangs whose rank 0 runs here.
    AgentLog(absl::StrCat("advertising ", advertise_host,
                          ": replicas on other hosts cannot reach a rank 0 "
                          "on this host; set --advertise-host (or --listen) "
                          "to an address they can reach"));
  }

  if (!calibration_file.empty() &&
      !std::filesystem::is_regular_file(calibration_file)) {
    std::fprintf(stderr, "--calibration-file: %s is not a readable file\n",
                 calibration_file.c_str());
    return kBadInput;
  }
  if (simulate_hosts > 0) {
    if (inventory.empty()) {
      std::fprintf(stderr, "--simulate-hosts: needs --inventory\n");
      return kBadInput;
    }
    std::error_code dir_error;
    std::filesystem::create_directories(work_dir + "/tasks", dir_error);
    if (dir_error) {
      std::fprintf(stderr, "--work-dir: cannot create %s/tasks: %s\n",
                   work_dir.c_str(), dir_error.message().c_str());
      return 1;
    }
    SimulatedAgentConfig config;
    config.hosts = simulate_hosts;
    config.prefix = name;
    config.inventory = inventory;
    config.scheduler = scheduler;
    config.work_dir = work_dir;
    config.listen = listen;
    config.metrics_listen = metrics_listen;
    config.advertise_host = advertise_host;
    config.heartbeat_ms = heartbeat_ms;
    config.kill_grace_s = kill_grace_s;
    config.calibration_file = calibration_file;
    config.tls = *tls;
    return RunSimulatedAgent(config, stop_signals);
  }
  auto calibrate_path = FindCalibrateBinary(calibrate_bin, SelfExe());
  if (!calibrate_path.ok()) {
    std::fprintf(stderr, "%s\n",
                 std::string(calibrate_path.status().message()).c_str());
    return kBadInput;
  }

  std::error_code ec;
  std::filesystem::create_directories(work_dir + "/tasks", ec);
  if (ec) {
    std::fprintf(stderr, "--work-dir: cannot create %s/tasks: %s\n",
                 work_dir.c_str(), ec.message().c_str());
    return 1;
  }

  AcceleratorDiscovery::Options discovery_options;
  discovery_options.inventory_path = inventory;
  // Runs before TaskRunner exists: TaskRunner reaps every child.
  auto host = AcceleratorDiscovery::Create(discovery_options)->Discover();
  if (!host.ok()) {
    std::fprintf(stderr, "--inventory: %s\n",
                 std::string(host.status().message()).c_str());
    return kBadInput;
  }
  for (const std::string& note : host->notes) AgentLog(note);

  TaskManager::Options manager_options;
  manager_options.work_dir = work_dir;
  if (!host->accelerators.empty()) {
    manager_options.node_kind = host->accelerators.front().kind;
  }
  manager_options.accelerator_count =
      static_cast<uint32_t>(host->accelerators.size());
  manager_options.cores_per_device = host->cores_per_device;
  manager_options.default_grace = absl::Seconds(kill_grace_s);
  manager_options.max_grace = absl::Seconds(max_termination_grace_s);
  manager_options.job_dir_root = job_dir_root;
  manager_options.env_pass = task_env_pass;
  manager_options.max_log_bytes = max_log_bytes;
  {
    // Workdir archives come from the scheduler (the first address given:
    // only a scheduler on the SQLite store keeps them, and it has one).
    const std::string first =
        std::string(*absl::StrSplit(scheduler, ',').begin());
    manager_options.fetch_workdir = FetchOverGrpc(
        grpc::CreateChannel(first, tls->channel
                                       ? tls->channel
                                       : grpc::InsecureChannelCredentials()),
        absl::Minutes(10));
  }
  std::optional<TaskUsers> task_users;
  if (!task_users_file.empty()) {
    if (geteuid() != 0) {
      std::fprintf(stderr,
                   "--task-users: the agent must run as root to run tasks as "
                   "other users\n");
      return kBadInput;
    }
    auto loaded = TaskUsers::Load(task_users_file);
    if (!loaded.ok()) {
      std::fprintf(stderr, "--task-users: %s\n",
                   std::string(loaded.status().message()).c_str());
      return kBadInput;
    }
    task_users = *std::move(loaded);
    manager_options.users = &*task_users;
  } else if (geteuid() == 0) {
    AgentLog(
        "tasks run as root, like this agent: give --task-users to run "
        "each as its owner's local user");
  }
  // Declared before the manager so it outlives the manager's last report.
  std::unique_ptr<SchedulerLink> link;
  TaskManager manager(manager_options, [&link](const v1::TaskStatus& s) {
    AgentLog(absl::StrCat("task ", s.task_id(), ": ",
                          v1::TaskState_Name(s.state()),
                          s.message().empty() ? "" : ": ", s.message()));
    if (link) link->Report(s);
  });

  LogService log_service(work_dir, &manager);
  if (tls->mutual_tls) {
    log_service.RequireReaders({log_admins.begin(), log_admins.end()});
  }
  grpc::ServerBuilder builder;
  int bound_port = 0;
  builder.AddListeningPort(listen, tls->server, &bound_port);
  builder.RegisterService(&log_service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || bound_port == 0) {
    std::fprintf(stderr, "--listen: cannot listen on %s\n", listen.c_str());
    return 1;
  }

  std::unique_ptr<JobMappingFiles> job_mapping;
  if (!dcgm_job_mapping_dir.empty()) {
    job_mapping = std::make_unique<JobMappingFiles>(
        dcgm_job_mapping_dir, [&manager] { return manager.Allocations(); });
    if (absl::Status s = job_mapping->Init(); !s.ok()) {
      std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
      return 1;
    }
  }

  // Metrics: GPU figures only from real hardware, never for a simulated
  // (--inventory) host.
  std::unique_ptr<NvmlSampler> nvml;
  if (inventory.empty()) nvml = std::make_unique<NvmlSampler>();
  AgentMetrics::Sources metric_sources;
  metric_sources.tasks = [&manager] { return manager.GetStats(); };
  metric_sources.allocations = [&manager] { return manager.Allocations(); };
  metric_sources.nvml = nvml.get();
  // Made before the link: the link reports round trips to it.
  SchedulerLink* link_ptr = nullptr;
  metric_sources.connects = [&link_ptr] { return link_ptr->connects(); };
  metric_sources.connected = [&link_ptr] { return link_ptr->connected(); };
  AgentMetrics metrics(metric_sources);
  SchedulerLink::Options link_options;
  link_options.target = scheduler;
  link_options.credentials = tls->channel;
  link_options.heartbeat_override = absl::Milliseconds(heartbeat_ms);
  link_options.on_round_trip = [&metrics](absl::Duration rtt) {
    metrics.ObserveHeartbeatRoundTrip(rtt);
  };
  DiskGuard::Options disk_options;
  disk_options.path = work_dir;
  disk_options.min_free_bytes = min_free_disk_bytes;
  disk_options.min_free_percent = min_free_disk_percent;
  disk_options.on_change = [&link](const std::string& reason) {
    if (link) link->SetUnhealthy(reason);
  };
  DiskGuard disk(disk_options);
  link_options.health_check = [&disk] { return disk.Check(); };
  v1::NodeInfo node_info =
      BuildNodeInfo(*host, name, absl::StrCat(advertise_host, ":", bound_port));
  node_info.set_rendezvous_port_min(rendezvous_min);
  node_info.set_rendezvous_port_max(rendezvous_max);
  link = std::make_unique<SchedulerLink>(link_options, std::move(node_info));
  link_ptr = link.get();             // before the exposer's threads can read it
  link->SetUnhealthy(disk.Check());  // the first registration says so
  std::unique_ptr<prometheus::Exposer> exposer;
  int metrics_port = 0;
  if (!metrics_listen.empty()) {
    try {
      exposer = std::make_unique<prometheus::Exposer>(metrics_listen, 2);
      std::vector<int> ports = exposer->GetListeningPorts();
      if (!ports.empty()) metrics_port = ports[0];
    } catch (const std::exception& e) {
      std::fprintf(stderr, "--metrics-listen: cannot listen on %s: %s\n",
                   metrics_listen.c_str(), e.what());
      return 1;
    }
    if (metrics_port == 0) {
      std::fprintf(stderr, "--metrics-listen: cannot listen on %s\n",
                   metrics_listen.c_str());
      return 1;
    }
    for (const auto& c : metrics.collectables()) {
      exposer->RegisterCollectable(c);
    }
    if (nvml != nullptr && !nvml->available()) {
      AgentLog("metrics: no NVML (" + nvml->reason() + "); no GPU series");
    }
  }

  std::printf("hetsched-agent listening on %s:%d\n",
              listen_address.host.c_str(), bound_port);
  if (metrics_port != 0) {
    std::printf("hetsched-agent metrics on %s:%d\n",
                metrics_address.host.c_str(), metrics_port);
  }
  if (health != nullptr) {
    std::printf("hetsched-agent health on %s:%d\n", health_address.host.c_str(),
                health->port());
    health->SetServing(true);
  }
  std::fflush(stdout);

  CalibrationRunner::Options runner_options;
  runner_options.calibration_file = calibration_file;
  runner_options.calibrate_bin = *calibrate_path;
  runner_options.work_dir = work_dir;
  runner_options.launcher = &manager;
  CalibrationLoop::Options loop_options;
  loop_options.on_start = calibrate_on_start;
  loop_options.every = absl::Seconds(calibrate_every_s);
  loop_options.default_budget_s = static_cast<uint32_t>(calibration_budget_s);
  CalibrationLoop calibration(
      loop_options, CalibrationRunner::Create(runner_options),
      [&link, &metrics](const v1::CalibrationReport& report) {
        AgentLog("calibration done; reporting it");
        metrics.ObserveCalibration(report.document_json());
        v1::AgentMessage message;
        *message.mutable_calibration() = report;
        link->Send(std::move(message));
      });
  CollectiveTests::Options collective_options;
  collective_options.advertise_host = advertise_host;
  collective_options.calibrate_bin = *calibrate_path;
  collective_options.work_dir = work_dir;
  collective_options.launcher = &manager;
  CollectiveTests collectives(collective_options,
                              [&link](const v1::CollectiveTestReport& report) {
                                v1::AgentMessage message;
                                *message.mutable_collective() = report;
                                link->Send(std::move(message));
                              });
  ProgressReporter progress(
      work_dir, [&manager] { return manager.Running(); },
      [&link](const v1::TaskProgress& p) {
        v1::AgentMessage message;
        *message.mutable_progress() = p;
        link->Send(std::move(message));
      },
      Clock::Real());
  ManagerHandler handler(&manager, &calibration, &collectives);
  // Before the first registration, which lists the adopted tasks; those
  // that ended meanwhile are queued on the link.
  if (!manager.Supervises()) {
    AgentLog(
        "no hetsched-task-supervisor next to this binary: tasks run as "
        "plain children and end with the agent");
  }
  for (const std::string& line : manager.AdoptLeftovers()) AgentLog(line);
  LeaseFence fence(
      {[&link] { return link->lease(); },
       [&link] { return link->silent_for(); },
       [&manager, kill_grace_s](absl::Duration silent, absl::Duration lease) {
         const std::string why = absl::StrCat(
             "no word from the scheduler for ",
             absl::FormatDuration(absl::Trunc(silent, absl::Seconds(1))),
             ", longer than the node lease (", absl::FormatDuration(lease),
             "): stopping every task, which the scheduler has "
             "declared LOST");
         AgentLog(why);
         manager.StopAll(absl::Seconds(kill_grace_s), v1::TASK_STATE_LOST, why,
                         absl::ZeroDuration());
       }});
  fence.Start();
  disk.Start(kDiskCheckPeriod);
  calibration.Start();
  progress.Start(absl::Seconds(1));
  if (job_mapping) job_mapping->Start(absl::Seconds(1));
  link->Start(&handler);
  AgentLog(absl::StrCat("node ", name, ": ", host->accelerators.size(),
                        " accelerators (", host->source, "), scheduler ",
                        scheduler));

  NotifyReady(absl::StrCat("node ", name, ": ", host->accelerators.size(),
                           " accelerators, scheduler ", scheduler));
  WatchdogPinger watchdog([] { return true; });

  int sig = 0;
  sigwait(&stop_signals, &sig);
  AgentLog(absl::StrCat("received ", sig == SIGTERM ? "SIGTERM" : "SIGINT",
                        stop_tasks_on_exit
                            ? "; stopping tasks"
                            : "; leaving tasks to their supervisors"));
  NotifyStopping(stop_tasks_on_exit ? "stopping tasks"
                                    : "leaving tasks to their supervisors");
  fence.Stop();
  disk.Stop();
  link->StopAccepting();
  calibration.Stop();
  if (!stop_tasks_on_exit) {
    manager.Detach();
  } else if (!manager.StopAll(absl::Seconds(kill_grace_s),
                              v1::TASK_STATE_PREEMPTED, "agent shutting down",
                              absl::Seconds(kill_grace_s) + absl::Seconds(5))) {
    AgentLog("some tasks did not end in time");
  }
  if (!link->Flush(absl::Seconds(5))) {
    AgentLog("could not deliver every task status before exiting");
  }
  link->Stop();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  exposer.reset();  // before the manager and link its collectables read
  AgentLog("stopped");
  return 0;
}

}  // namespace
}  // namespace hetsched::agent

int main(int argc, char** argv) {
  try {
    return hetsched::agent::Run(argc, argv);
  } catch (const std::exception& e) {
    // Say what ended the agent rather than abort without a word.
    std::fprintf(stderr, "hetsched-agent: fatal: %s\n", e.what());
    return 1;
  }
}
