// hetsched-scheduler: the central scheduler daemon.
// First line of stdout: "hetsched-scheduler listening on HOST:PORT" (port 0
// picks one; scripts and tests read it), then with --metrics-listen,
// "hetsched-scheduler metrics on HOST:PORT", and with --health-listen,
// "hetsched-scheduler health on HOST:PORT".
#include <signal.h>

#include <iostream>
#include <thread>

#include <fstream>
#include <sstream>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "common/build_info.h"
#include "common/duration_text.h"
#include "common/health_port.h"
#include "common/log.h"
#include "common/log_flags.h"
#include "common/service_notify.h"
#include "common/tls_flags.h"
#include "scheduler/control/convert.h"
#include "scheduler/core/throughput_table_json.h"
#include "scheduler/server/daemon_config.h"
#include "scheduler/server/replica.h"
#include "scheduler/server/scheduler_daemon.h"

namespace {

std::atomic<bool> g_stop{false};
std::atomic<bool> g_reload{false};

void OnSignal(int) { g_stop.store(true); }
void OnHangup(int) { g_reload.store(true); }

// Rereads --catalogue and --queues and applies them (`why`: "SIGHUP", or a
// replica taking office). The queues are checked against the new
// catalogue, and the two change together or not at all: a file that does
// not load or validate changes nothing, and the log says why.
void ReloadConfig(const std::string& catalogue_file,
                  const std::string& queues_file,
                  hetsched::control::ControlPlane& control,
                  const std::string& why) {
  namespace log = hetsched::log;
  if (queues_file.empty() && catalogue_file.empty()) {
    log::Warn(why + ": no --queues or --catalogue file to reload");
    return;
  }
  hetsched::AcceleratorCatalogue catalogue =
      hetsched::AcceleratorCatalogue::BuiltIn();
  if (!catalogue_file.empty()) {
    absl::Status s =
        hetsched::server::LoadCatalogueFile(catalogue_file, catalogue);
    if (!s.ok()) {
      log::Warn(absl::StrCat(
          why, ": kept the running catalogue and queues: ", s.message()));
      return;
    }
  }
  if (!queues_file.empty()) {
    auto queues = hetsched::server::LoadQueuesFile(queues_file, catalogue);
    absl::Status s = queues.ok() ? control.SetQueues(*queues) : queues.status();
    if (!s.ok()) {
      log::Warn(absl::StrCat(why,
                             catalogue_file.empty()
                                 ? ": kept the running queues: "
                                 : ": kept the running catalogue and queues: ",
                             s.message()));
      return;
    }
    log::Info(absl::StrCat(why, ": reloaded ", queues->size(), " queues from ",
                           queues_file));
  }
  if (!catalogue_file.empty()) {
    const size_t kinds = catalogue.Kinds().size();
    control.SetCatalogue(std::move(catalogue));
    log::Info(absl::StrCat(why, ": reloaded the catalogue (", kinds,
                           " kinds) from ", catalogue_file));
  }
}

// Reads the operator's files into the control plane options.
absl::Status LoadConfigFiles(const std::string& catalogue_file,
                             const std::string& queues_file,
                             const std::string& throughputs_file,
                             hetsched::control::ControlPlaneOptions& control) {
  if (!catalogue_file.empty()) {
    absl::Status s =
        hetsched::server::LoadCatalogueFile(catalogue_file, control.catalogue);
    if (!s.ok()) return s;
  }
  if (!queues_file.empty()) {
    auto queues =
        hetsched::server::LoadQueuesFile(queues_file, control.catalogue);
    if (!queues.ok()) return queues.status();
    control.scheduling.queues = *queues;
  }
  if (!throughputs_file.empty()) {
    std::ifstream in(throughputs_file);
    if (!in) {
      return absl::NotFoundError(throughputs_file + ": cannot open file");
    }
    std::stringstream text;
    text << in.rdbuf();
    auto table = hetsched::core::ParseThroughputs(text.str(), throughputs_file);
    if (!table.ok()) return table.status();
    control.throughputs = *table;
  }
  return absl::OkStatus();
}

// The daemon's first lines, which scripts and tests read.
void PrintListening(const hetsched::server::DaemonOptions& options, int port,
                    int metrics_port) {
  std::cout << "hetsched-scheduler listening on "
            << hetsched::control::HostOf(options.listen) << ":" << port
            << std::endl;
  if (metrics_port != 0) {
    std::cout << "hetsched-scheduler metrics on "
              << hetsched::control::HostOf(options.metrics_listen) << ":"
              << metrics_port << std::endl;
  }
}

int RunScheduler(int argc, char** argv) {
  // From the first instruction: a reload asked for while the store is
  // still recovering is applied once the scheduler serves, instead of
  // SIGHUP's default action ending the start-up.
  signal(SIGHUP, OnHangup);
  hetsched::server::DaemonOptions options;
  int heartbeat_ms = 2000;
  double lost_timeout_s = 20;
  int kill_grace_s = 10;
  CLI::App app{"hetsched-scheduler: places jobs on accelerator hosts"};
  app.set_version_flag("--version",
                       hetsched::VersionLine("hetsched-scheduler"));
  app.add_option("--listen", options.listen, "gRPC address HOST:PORT");
  hetsched::TlsFiles tls_files;
  hetsched::AddTlsFlags(app, tls_files, "this scheduler's");
  hetsched::AddTlsReloadFlag(app, tls_files);
  std::vector<std::string> admins;
  app.add_option("--tls-admins", admins,
                 "certificate common names that may cancel any job and "
                 "drain, undrain, calibrate or test nodes")
      ->delimiter(',');
  std::vector<std::string> readers;
  app.add_option("--tls-readers", readers,
                 "certificate common names that may describe, watch and read "
                 "the logs of any job")
      ->delimiter(',');
  bool allow_plaintext = false;
  app.add_flag("--insecure-allow-plaintext", allow_plaintext,
               "serve without TLS on an address other hosts can reach "
               "(anyone who reaches the port can act as any user)");
  app.add_option("--data-dir", options.data_dir,
                 "directory for the SQLite state");
  std::string store_kind = "sqlite";
  app.add_option("--store", store_kind,
                 "where the state lives: sqlite (one machine, under "
                 "--data-dir) or etcd (replicated; replicas elect a leader)")
      ->check(CLI::IsMember({"sqlite", "etcd"}));
  std::string etcd_endpoints;
  hetsched::server::ReplicaOptions replica;
  app.add_option("--etcd-endpoints", etcd_endpoints,
                 "etcd members HOST:PORT[,HOST:PORT...] (--store etcd)");
  app.add_option("--etcd-prefix", replica.etcd.prefix,
                 "prefix of every key this scheduler writes in etcd");
  hetsched::TlsFiles etcd_tls;
  app.add_option("--etcd-ca", etcd_tls.ca,
                 "PEM CA that signed etcd's certificate");
  app.add_option("--etcd-cert", etcd_tls.cert,
                 "PEM client certificate for etcd");
  app.add_option("--etcd-key", etcd_tls.key, "PEM key of --etcd-cert");
  app.add_option("--etcd-max-txn-ops", replica.etcd.max_txn_ops,
                 "operations per etcd transaction: etcd's --max-txn-ops")
      ->check(CLI::Range(8, 100000));
  app.add_option("--advertise-address", replica.advertise,
                 "HOST:PORT other replicas send clients and agents to when "
                 "this one leads (default: from --listen)");
  double leader_lease_s = 3;
  app.add_option("--leader-lease-s", leader_lease_s,
                 "how long a leader that stopped renewing keeps the lead: "
                 "the failover time after a crash")
      ->check(CLI::Range(2.0, 60.0));
  app.add_option("--metrics-listen", options.metrics_listen,
                 "Prometheus /metrics address HOST:PORT (empty: off)");
  std::string health_listen;
  app.add_option("--health-listen", health_listen,
                 "plaintext gRPC health only (grpc.health.v1) at HOST:PORT, "
                 "for probes that cannot present a client certificate; "
                 "SERVING once this scheduler serves (under HA: leads) "
                 "(empty: off)");
  std::string queues_file, throughputs_file, catalogue_file;
  double round_s = 0, restart_penalty_s = 0, preemption_grace_s = 30;
  auto& scheduling = options.control.scheduling;
  // The allocation optimizer beat hetero on every scenario of the policy
  // benchmarks (docs/BENCHMARKS.md); max-min also keeps queue weights.
  scheduling.policy = "max-min";
  app.add_option("--policy", scheduling.policy,
                 "placement policy: fifo, priority, fair, hetero, cost, "
                 "max-min (default), min-jct, min-makespan, min-cost, with "
                 "+modifiers (docs/scheduling.md)");
  app.add_option("--queues", queues_file,
                 "queues YAML: weights, cohorts, quotas and borrowing/lending "
                 "limits per kind (deploy/examples/queues.yaml); reread on "
                 "SIGHUP");
  app.add_option("--throughputs", throughputs_file,
                 "throughput table JSON (the hetsched-sim TP.json format)");
  app.add_option("--catalogue", catalogue_file,
                 "accelerator catalogue YAML extending the built-in one");
  app.add_option("--degraded-threshold",
                 options.control.calibration.degraded_fraction,
                 "share of the expected calibration figure below which a "
                 "node is degraded")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--round-s", round_s, "time-sharing round length, 0: off")
      ->check(CLI::Range(0.0, 86400.0));
  app.add_option("--restart-penalty-s", restart_penalty_s,
                 "what moving or resuming a job costs")
      ->check(CLI::Range(0.0, 86400.0));
  app.add_option("--preemption-grace-s", preemption_grace_s,
                 "time a preempted job gets to stop")
      ->check(CLI::Range(0.0, 3600.0));
  app.add_option("--heartbeat-ms", heartbeat_ms, "agent heartbeat interval")
      ->check(CLI::Range(50, 600000));
  app.add_option("--node-lost-timeout-s", lost_timeout_s,
                 "silence after which a node and its tasks are LOST")
      ->check(CLI::Range(0.1, 86400.0));
  double retry_backoff_s = 10;
  app.add_option("--retry-backoff-s", retry_backoff_s,
                 "wait before a failed job's first retry, doubling for each "
                 "later one up to 6 minutes; 0: retry at once")
      ->check(CLI::Range(0.0, 3600.0));
  app.add_option("--kill-grace-s", kill_grace_s,
                 "ignored: a job's termination_grace_s (default 30 s, at "
                 "most --max-termination-grace-s) decides now")
      ->check(CLI::Range(0, 3600));
  std::string retain_finished = "7d";
  app.add_option("--retain-finished", retain_finished,
                 "how long a finished job stays (jobs, describe, logs) before "
                 "only its usage remains: 90m, 36h, 7d; 0 keeps every job")
      ->capture_default_str();
  app.add_option("--max-pending-per-owner",
                 options.control.max_pending_per_owner,
                 "the most PENDING jobs one owner may have; more are refused "
                 "(RESOURCE_EXHAUSTED); 0: no bound")
      ->check(CLI::Range(int64_t{0}, int64_t{100000000}))
      ->capture_default_str();
  hetsched::log::LogFlags log_flags;
  hetsched::log::AddLogFlags(app, log_flags);
  int max_termination_grace_s = 3600;
  app.add_option("--max-termination-grace-s", max_termination_grace_s,
                 "the most SIGTERM-to-SIGKILL grace a job may ask for "
                 "(termination_grace_s)")
      ->check(CLI::Range(1, 86400));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  hetsched::log::InitFromFlags("hetsched-scheduler", log_flags);
  options.control.heartbeat_interval = absl::Milliseconds(heartbeat_ms);
  options.control.node_lost_timeout = absl::Seconds(lost_timeout_s);
  options.control.max_termination_grace =
      absl::Seconds(max_termination_grace_s);
  options.control.retry_backoff = absl::Seconds(retry_backoff_s);
  const std::optional<int64_t> retain_ms =
      retain_finished == "0" ? std::optional<int64_t>(0)
                             : hetsched::ParseDurationMs(retain_finished);
  if (!retain_ms) {
    std::cerr << "hetsched-scheduler: --retain-finished: must be a duration "
                 "such as 90m, 36h or 7d, or 0, got '"
              << retain_finished << "'\n";
    return 2;
  }
  options.control.retain_finished = absl::Milliseconds(*retain_ms);
  scheduling.round = absl::Seconds(round_s);
  scheduling.restart_penalty = absl::Seconds(restart_penalty_s);
  scheduling.preemption_grace = absl::Seconds(preemption_grace_s);
  if (absl::Status s = LoadConfigFiles(catalogue_file, queues_file,
                                       throughputs_file, options.control);
      !s.ok()) {
    std::cerr << "hetsched-scheduler: " << s.message() << "\n";
    return 2;
  }

  auto tls = hetsched::LoadTlsCredentials(tls_files);
  if (!tls.ok()) {
    std::cerr << "hetsched-scheduler: " << tls.status().message() << "\n";
    return 2;
  }
  options.tls = *tls;
  if (absl::Status s = hetsched::CheckPlaintextListen(
          "--listen", options.listen, tls_files.enabled(), allow_plaintext);
      !s.ok()) {
    std::cerr << "hetsched-scheduler: " << s.message() << "\n";
    return 2;
  }
  if (allow_plaintext && !tls_files.enabled() &&
      !hetsched::IsLoopbackAddress(options.listen)) {
    hetsched::log::Warn(absl::StrCat(
        "serving plaintext on ", options.listen,
        " (--insecure-allow-plaintext): anyone who reaches it can act as any "
        "user"));
  }
  if (!admins.empty() && !tls_files.enabled()) {
    std::cerr << "hetsched-scheduler: --tls-admins: needs --tls-ca, "
                 "--tls-cert and --tls-key\n";
    return 2;
  }
  if (!readers.empty() && !tls_files.enabled()) {
    std::cerr << "hetsched-scheduler: --tls-readers: needs --tls-ca, "
                 "--tls-cert and --tls-key\n";
    return 2;
  }
  options.admins.insert(admins.begin(), admins.end());
  options.readers.insert(readers.begin(), readers.end());

  // Bound first, NOT_SERVING through the store's recovery: a startupProbe
  // sees the process up and waits for it to serve.
  std::unique_ptr<hetsched::HealthPort> health;
  if (!health_listen.empty()) {
    auto started =
        hetsched::HealthPort::Start(health_listen, "--health-listen");
    if (!started.ok()) {
      std::cerr << "hetsched-scheduler: " << started.status().message() << "\n";
      return 2;
    }
    health = std::move(*started);
  }
  const auto print_health = [&] {
    if (health == nullptr) return;
    std::cout << "hetsched-scheduler health on "
              << hetsched::control::HostOf(health_listen) << ":"
              << health->port() << std::endl;
  };

  if (store_kind == "etcd") {
    auto endpoints = hetsched::store::ParseEtcdEndpoints(etcd_endpoints);
    if (etcd_endpoints.empty() || !endpoints.ok()) {
      std::cerr << "hetsched-scheduler: "
                << (etcd_endpoints.empty()
                        ? "--etcd-endpoints: required with --store etcd"
                        : std::string(endpoints.status().message()))
                << "\n";
      return 2;
    }
    replica.etcd.endpoints = *endpoints;
    etcd_tls.reload_interval_s = tls_files.reload_interval_s;
    auto etcd_creds = hetsched::LoadTlsCredentials(etcd_tls, "--etcd");
    if (!etcd_creds.ok()) {
      std::cerr << "hetsched-scheduler: " << etcd_creds.status().message()
                << "\n";
      return 2;
    }
    replica.etcd.credentials = etcd_creds->channel;
    replica.lease_ttl = absl::Seconds(leader_lease_s);
    signal(SIGTERM, OnSignal);
    signal(SIGINT, OnSignal);
    // A replica's liveness is its lease in etcd; the watchdog only asks
    // that the process runs.
    hetsched::WatchdogPinger watchdog([] { return true; });
    return hetsched::server::RunReplica(
        options, replica, g_stop,
        [&](int port, int metrics_port) {
          PrintListening(options, port, metrics_port);
          print_health();
          hetsched::NotifyReady(absl::StrCat("replica serving on port ", port,
                                             " (etcd; leader or not)"));
        },
        [&, took_office =
                false](hetsched::control::ControlPlane& control) mutable {
          // A replica taking office reads the file as it is now: the
          // operator may have changed it (and signalled only the leader)
          // since this process started.
          if (!took_office &&
              (!queues_file.empty() || !catalogue_file.empty())) {
            ReloadConfig(catalogue_file, queues_file, control, "taking office");
          }
          // Followers stay NOT_SERVING: readiness routes to the leader.
          if (!took_office && health != nullptr) health->SetServing(true);
          took_office = true;
          if (g_reload.exchange(false)) {
            ReloadConfig(catalogue_file, queues_file, control, "SIGHUP");
          }
        });
  }
  if (!etcd_endpoints.empty() || etcd_tls.enabled() ||
      !replica.advertise.empty()) {
    std::cerr << "hetsched-scheduler: "
              << (!etcd_endpoints.empty() ? "--etcd-endpoints"
                  : etcd_tls.enabled()    ? "--etcd-ca/--etcd-cert/--etcd-key"
                                          : "--advertise-address")
              << ": needs --store etcd\n";
    return 2;
  }

  auto daemon = hetsched::server::SchedulerDaemon::Start(options);
  if (!daemon.ok()) {
    std::cerr << "hetsched-scheduler: " << daemon.status().message() << "\n";
    return 2;  // every start-up error is the operator's to fix
  }
  PrintListening(options, (*daemon)->port(), (*daemon)->metrics_port());
  print_health();
  if (health != nullptr) health->SetServing(true);
  signal(SIGTERM, OnSignal);
  signal(SIGINT, OnSignal);
  hetsched::NotifyReady(
      absl::StrCat("serving on port ", (*daemon)->port(), " (SQLite)"));
  // A pass at least every few seconds even when idle: a loop silent for
  // 30 s is wedged, and systemd (WatchdogSec=) restarts the scheduler.
  hetsched::WatchdogPinger watchdog(
      [&daemon] { return (*daemon)->LoopAliveWithin(absl::Seconds(30)); });
  while (!g_stop.load()) {
    if (g_reload.exchange(false)) {
      ReloadConfig(catalogue_file, queues_file, *(*daemon)->control(),
                   "SIGHUP");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::cout << "hetsched-scheduler shutting down" << std::endl;
  hetsched::NotifyStopping("shutting down");
  if (health != nullptr) health->SetServing(false);
  (*daemon)->Shutdown();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return RunScheduler(argc, argv);
  } catch (const std::exception& e) {
    // Say what ended the scheduler rather than abort without a word.
    std::cerr << "hetsched-scheduler: fatal: " << e.what() << std::endl;
    return 1;
  }
}
