// `hetsched-agent --simulate-hosts N`: N simulated hosts in one process,
// named PREFIX-0 ... PREFIX-(N-1), all described by one inventory. Each is
// a SimulatedHost (the real TaskManager and SchedulerLink, a simulated
// launcher); they share one SimTimer thread for task ends and
// max_runtime_s ticks, one work directory and one log service (task ids
// are unique across the cluster).
//
// Ultraservers: with `ultraserver_size: K` in the inventory, hosts are
// grouped K at a time and group g gets ultraserver id "<base>-<g>", where
// <base> is the inventory's `ultraserver` label (PREFIX when it has none);
// without it every host keeps the inventory's label as is.
//
// Threads: 1 (the timer) + 2 per host (the link's connection thread and,
// while connected, its writer). Thread-safe after Start.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "agent/discovery.h"
#include "agent/simulated_host.h"
#include "agent/task_activity.h"

namespace hetsched::agent {

class SimulatedFleet final : public TaskActivity {
 public:
  struct Options {
    int hosts = 0;
    std::string prefix;
    HostDescription host;       // the inventory every host is built from
    std::string agent_address;  // the shared log service, HOST:PORT
    std::string work_dir;
    SchedulerLink::Options link;  // for every host
    absl::Duration default_grace = absl::Seconds(10);
    std::string calibration_json;  // empty: none reported
    // How often max_runtime_s is judged on every host.
    absl::Duration tick = absl::Seconds(1);
  };

  explicit SimulatedFleet(Options options);
  ~SimulatedFleet() override;
  SimulatedFleet(const SimulatedFleet&) = delete;
  SimulatedFleet& operator=(const SimulatedFleet&) = delete;

  // What host `index` registers as: the inventory with its ultraserver id
  // made distinct per group (see above). Pure.
  static HostDescription HostAt(const HostDescription& host,
                                const std::string& prefix, int index);

  void Start();

  // As a real agent at SIGTERM: refuse new assignments, stop every task
  // (PREEMPTED, "agent shutting down"), deliver the statuses (up to
  // `flush` per host), close the streams.
  void Stop(absl::Duration grace, absl::Duration flush);

  // Summed over the hosts, for the agent's metrics.
  TaskManager::Stats Stats() const;
  int64_t connects() const;
  // Hosts whose stream is registered now.
  int connected() const;
  int size() const { return static_cast<int>(hosts_.size()); }
  SimulatedHost& host(int index) { return *hosts_[index]; }

  // TaskActivity, for the shared log service: asks every host.
  bool Active(const std::string& task_id) const override;
  bool WaitUntilInactive(const std::string& task_id,
                         absl::Duration timeout) override;

 private:
  void ScheduleTick();

  Options options_;
  // Declared before the hosts: their launchers' ends run on it.
  SimTimer timer_;
  std::vector<std::unique_ptr<SimulatedHost>> hosts_;
};

}  // namespace hetsched::agent
