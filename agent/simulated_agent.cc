#include "agent/simulated_agent.h"

#include <cstdio>
#include <memory>

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "agent/agent_log.h"
#include "agent/agent_metrics.h"
#include "agent/calibration_runner.h"
#include "agent/inventory.h"
#include "agent/log_service.h"
#include "agent/simulated_fleet.h"
#include "prometheus/exposer.h"

namespace hetsched::agent {
namespace {

constexpr int kBadInput = 2;

}  // namespace

int RunSimulatedAgent(const SimulatedAgentConfig& config,
                      const sigset_t& stop_signals) {
  auto host = LoadInventoryFile(config.inventory);
  if (!host.ok()) {
    std::fprintf(stderr, "--inventory: %s\n",
                 std::string(host.status().message()).c_str());
    return kBadInput;
  }
  std::string calibration_json;
  if (!config.calibration_file.empty()) {
    CalibrationRunner::Options runner;
    runner.calibration_file = config.calibration_file;
    calibration_json = CalibrationRunner::Create(runner)->Run(0, nullptr);
  }

  // One log service for every host: they share the work directory, and the
  // fleet knows which host runs a task.
  std::unique_ptr<SimulatedFleet> fleet;  // made once the port is known
  class FleetActivity final : public TaskActivity {
   public:
    explicit FleetActivity(std::unique_ptr<SimulatedFleet>* fleet)
        : fleet_(fleet) {}
    bool Active(const std::string& id) const override {
      return *fleet_ != nullptr && (*fleet_)->Active(id);
    }
    bool WaitUntilInactive(const std::string& id,
                           absl::Duration timeout) override {
      return *fleet_ == nullptr || (*fleet_)->WaitUntilInactive(id, timeout);
    }

   private:
    std::unique_ptr<SimulatedFleet>* fleet_;
  } fleet_activity(&fleet);
  LogService log_service(config.work_dir, &fleet_activity);
  grpc::ServerBuilder builder;
  int bound_port = 0;
  builder.AddListeningPort(config.listen, config.tls.server, &bound_port);
  builder.RegisterService(&log_service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || bound_port == 0) {
    std::fprintf(stderr, "--listen: cannot listen on %s\n",
                 config.listen.c_str());
    return 1;
  }

  // Figures summed over the hosts; no GPU series (there is no GPU).
  AgentMetrics::Sources sources;
  sources.tasks = [&fleet] { return fleet->Stats(); };
  sources.connects = [&fleet] { return fleet->connects(); };
  sources.connected = [&fleet] { return fleet->connected() == fleet->size(); };
  AgentMetrics metrics(sources);

  SimulatedFleet::Options options;
  options.hosts = config.hosts;
  options.prefix = config.prefix;
  options.host = *host;
  options.agent_address = absl::StrCat(config.advertise_host, ":", bound_port);
  options.work_dir = config.work_dir;
  options.link.target = config.scheduler;
  options.link.credentials = config.tls.channel;
  options.link.heartbeat_override = absl::Milliseconds(config.heartbeat_ms);
  options.link.on_round_trip = [&metrics](absl::Duration rtt) {
    metrics.ObserveHeartbeatRoundTrip(rtt);
  };
  options.default_grace = absl::Seconds(config.kill_grace_s);
  options.calibration_json = calibration_json;
  fleet = std::make_unique<SimulatedFleet>(std::move(options));

  std::unique_ptr<prometheus::Exposer> exposer;
  int metrics_port = 0;
  if (!config.metrics_listen.empty()) {
    try {
      exposer = std::make_unique<prometheus::Exposer>(config.metrics_listen, 2);
      std::vector<int> ports = exposer->GetListeningPorts();
      if (!ports.empty()) metrics_port = ports[0];
    } catch (const std::exception& e) {
      std::fprintf(stderr, "--metrics-listen: cannot listen on %s: %s\n",
                   config.metrics_listen.c_str(), e.what());
      return 1;
    }
    if (metrics_port == 0) {
      std::fprintf(stderr, "--metrics-listen: cannot listen on %s\n",
                   config.metrics_listen.c_str());
      return 1;
    }
    for (const auto& c : metrics.collectables()) {
      exposer->RegisterCollectable(c);
    }
  }
  const std::string listen_host =
      config.listen.substr(0, config.listen.rfind(':'));
  std::printf("hetsched-agent listening on %s:%d\n", listen_host.c_str(),
              bound_port);
  if (metrics_port != 0) {
    const std::string metrics_host =
        config.metrics_listen.substr(0, config.metrics_listen.rfind(':'));
    std::printf("hetsched-agent metrics on %s:%d\n", metrics_host.c_str(),
                metrics_port);
  }
  std::fflush(stdout);

  fleet->Start();
  AgentLog(absl::StrCat("simulating ", config.hosts, " hosts ", config.prefix,
                        "-0..", config.prefix, "-", config.hosts - 1, ": ",
                        host->accelerators.size(), " accelerators each (",
                        config.inventory, "), scheduler ", config.scheduler));

  int sig = 0;
  sigwait(&stop_signals, &sig);
  AgentLog(absl::StrCat("received ", sig == SIGTERM ? "SIGTERM" : "SIGINT",
                        "; stopping simulated tasks"));
  fleet->Stop(absl::Seconds(config.kill_grace_s), absl::Seconds(5));
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  exposer.reset();  // before the fleet its collectables read
  fleet.reset();
  AgentLog("stopped");
  return 0;
}

}  // namespace hetsched::agent
