// The body of `hetsched-agent --simulate-hosts N` once its flags are
// parsed: a SimulatedFleet, one log service and one metrics endpoint for
// all its hosts, and the same stdout lines and SIGTERM behaviour as a real
// agent. See docs/agent.md, "Simulated hosts".
#pragma once

#include <signal.h>

#include <string>

#include "common/tls.h"

namespace hetsched::agent {

struct SimulatedAgentConfig {
  int hosts = 0;
  std::string prefix;     // --name
  std::string inventory;  // required
  std::string scheduler;
  std::string work_dir;
  std::string listen;          // the shared log service
  std::string metrics_listen;  // empty: no metrics
  std::string advertise_host;
  int heartbeat_ms = 0;
  int kill_grace_s = 10;
  std::string calibration_file;  // empty: no calibration is reported
  TlsCredentials tls;
};

// Runs until one of `stop_signals` (blocked in every thread) arrives;
// returns the process's exit code.
int RunSimulatedAgent(const SimulatedAgentConfig& config,
                      const sigset_t& stop_signals);

}  // namespace hetsched::agent
