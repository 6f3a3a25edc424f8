// hetsched-scheduler: the central scheduler daemon.
// First line of stdout: "hetsched-scheduler listening on HOST:PORT" (port 0
// picks one; scripts and tests read it), then with --metrics-listen,
// "hetsched-scheduler metrics on HOST:PORT".
#include <signal.h>

#include <iostream>
#include <thread>

#include "CLI/CLI.hpp"
#include "scheduler/control/convert.h"
#include "scheduler/server/scheduler_daemon.h"

namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop.store(true); }

}  // namespace

int main(int argc, char** argv) {
  hetsched::server::DaemonOptions options;
  int heartbeat_ms = 2000;
  double lost_timeout_s = 20;
  int kill_grace_s = 10;
  CLI::App app{"hetsched-scheduler: places jobs on accelerator hosts"};
  app.add_option("--listen", options.listen, "gRPC address HOST:PORT");
  app.add_option("--data-dir", options.data_dir,
                 "directory for the SQLite state");
  app.add_option("--metrics-listen", options.metrics_listen,
                 "Prometheus /metrics address HOST:PORT (empty: off)");
  app.add_option("--policy", options.control.policy, "placement policy");
  app.add_option("--heartbeat-ms", heartbeat_ms, "agent heartbeat interval")
      ->check(CLI::Range(50, 600000));
  app.add_option("--node-lost-timeout-s", lost_timeout_s,
                 "silence after which a node and its tasks are LOST")
      ->check(CLI::Range(0.1, 86400.0));
  app.add_option("--kill-grace-s", kill_grace_s,
                 "SIGTERM to SIGKILL grace for cancelled tasks")
      ->check(CLI::Range(0, 3600));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  options.control.heartbeat_interval = absl::Milliseconds(heartbeat_ms);
  options.control.node_lost_timeout = absl::Seconds(lost_timeout_s);
  options.control.kill_grace = absl::Seconds(kill_grace_s);

  auto daemon = hetsched::server::SchedulerDaemon::Start(options);
  if (!daemon.ok()) {
    std::cerr << "hetsched-scheduler: " << daemon.status().message() << "\n";
    return daemon.status().code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
  }
  std::cout << "hetsched-scheduler listening on "
            << hetsched::control::HostOf(options.listen) << ":"
            << (*daemon)->port() << std::endl;
  if ((*daemon)->metrics_port() != 0) {
    std::cout << "hetsched-scheduler metrics on "
              << hetsched::control::HostOf(options.metrics_listen) << ":"
              << (*daemon)->metrics_port() << std::endl;
  }
  signal(SIGTERM, OnSignal);
  signal(SIGINT, OnSignal);
  while (!g_stop.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::cout << "hetsched-scheduler shutting down" << std::endl;
  (*daemon)->Shutdown();
  return 0;
}
