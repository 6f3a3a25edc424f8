// hetsched-agent: one per host. Discovers the host's accelerators, serves
// task logs, registers with the scheduler and runs the tasks it assigns.
// Prints "hetsched-agent listening on HOST:PORT" as its first stdout line
// (scripts read the port from it); everything else goes to stderr.
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
#include "agent/agent_log.h"
#include "agent/discovery.h"
#include "agent/log_service.h"
#include "agent/node_info.h"
#include "agent/scheduler_link.h"
#include "agent/task_dirs.h"
#include "agent/task_manager.h"

namespace hetsched::agent {
namespace {

constexpr int kBadInput = 2;

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

std::string Hostname() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "localhost";
  return name;
}

class ManagerHandler final : public LinkHandler {
 public:
  explicit ManagerHandler(TaskManager* manager) : manager_(manager) {}
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
  std::vector<v1::TaskStatus> RunningTasks() override {
    return manager_->Running();
  }

 private:
  TaskManager* manager_;
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
  std::string scheduler;
  std::string name = Hostname();
  std::string inventory;
  std::string work_dir;
  std::string listen = "127.0.0.1:0";
  std::string advertise_host;
  int heartbeat_ms = 0;
  int kill_grace_s = 10;
  app.add_option("--scheduler", scheduler, "scheduler address HOST:PORT")
      ->required();
  app.add_option("--name", name, "node name (default: the host name)");
  app.add_option("--inventory", inventory,
                 "inventory YAML of a simulated host; disables discovery");
  app.add_option("--work-dir", work_dir,
                 "directory for task working dirs and logs")
      ->required();
  app.add_option("--listen", listen,
                 "log service address HOST:PORT (port 0: pick one)");
  app.add_option("--advertise-host", advertise_host,
                 "host the scheduler and other ranks use to reach this host "
                 "(default: the --listen host)");
  app.add_option("--heartbeat-ms", heartbeat_ms,
                 "heartbeat interval, overriding the scheduler's (tests)")
      ->check(CLI::Range(0, 3600000));
  app.add_option("--kill-grace-s", kill_grace_s,
                 "SIGTERM-to-SIGKILL grace at shutdown and max_runtime_s")
      ->check(CLI::Range(0, 3600));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kBadInput;
  }
  HostPort scheduler_address;
  if (!ParseHostPort(scheduler, 1, &scheduler_address)) {
    std::fprintf(stderr, "--scheduler: '%s' is not HOST:PORT\n",
                 scheduler.c_str());
    return kBadInput;
  }
  HostPort listen_address;
  if (!ParseHostPort(listen, 0, &listen_address)) {
    std::fprintf(stderr, "--listen: '%s' is not HOST:PORT\n", listen.c_str());
    return kBadInput;
  }
  if (name.empty()) {
    std::fprintf(stderr, "--name: must not be empty\n");
    return kBadInput;
  }
  if (advertise_host.empty()) {
    const std::string& h = listen_address.host;
    // A wildcard address is not something a peer can dial.
    advertise_host =
        (h == "0.0.0.0" || h == "[::]" || h == "::") ? Hostname() : h;
  }

  std::error_code ec;
  std::filesystem::create_directories(work_dir + "/tasks", ec);
  if (ec) {
    std::fprintf(stderr, "--work-dir: cannot create %s/tasks: %s\n",
                 work_dir.c_str(), ec.message().c_str());
    return 1;
  }
  for (const std::string& line : KillLeftoverGroups(work_dir)) {
    AgentLog(line);
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
  // Declared before the manager so it outlives the manager's last report.
  std::unique_ptr<SchedulerLink> link;
  TaskManager manager(manager_options, [&link](const v1::TaskStatus& s) {
    AgentLog(absl::StrCat("task ", s.task_id(), ": ",
                          v1::TaskState_Name(s.state()),
                          s.message().empty() ? "" : ": ", s.message()));
    if (link) link->Report(s);
  });

  LogService log_service(work_dir, &manager);
  grpc::ServerBuilder builder;
  int bound_port = 0;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(),
                           &bound_port);
  builder.RegisterService(&log_service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || bound_port == 0) {
    std::fprintf(stderr, "--listen: cannot listen on %s\n", listen.c_str());
    return 1;
  }
  std::printf("hetsched-agent listening on %s:%d\n",
              listen_address.host.c_str(), bound_port);
  std::fflush(stdout);

  SchedulerLink::Options link_options;
  link_options.target = scheduler;
  link_options.heartbeat_override = absl::Milliseconds(heartbeat_ms);
  link = std::make_unique<SchedulerLink>(
      link_options,
      BuildNodeInfo(*host, name,
                    absl::StrCat(advertise_host, ":", bound_port)));
  ManagerHandler handler(&manager);
  link->Start(&handler);
  AgentLog(absl::StrCat("node ", name, ": ", host->accelerators.size(),
                        " accelerators (", host->source, "), scheduler ",
                        scheduler));

  int sig = 0;
  sigwait(&stop_signals, &sig);
  AgentLog(absl::StrCat("received ", sig == SIGTERM ? "SIGTERM" : "SIGINT",
                        "; stopping tasks"));
  link->StopAccepting();
  if (!manager.StopAll(absl::Seconds(kill_grace_s), v1::TASK_STATE_PREEMPTED,
                       "agent shutting down",
                       absl::Seconds(kill_grace_s) + absl::Seconds(5))) {
    AgentLog("some tasks did not end in time");
  }
  if (!link->Flush(absl::Seconds(5))) {
    AgentLog("could not deliver every task status before exiting");
  }
  link->Stop();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  AgentLog("stopped");
  return 0;
}

}  // namespace
}  // namespace hetsched::agent

int main(int argc, char** argv) { return hetsched::agent::Run(argc, argv); }
