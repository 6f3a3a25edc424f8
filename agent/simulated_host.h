// One simulated host of `hetsched-agent --simulate-hosts`: the real
// TaskManager and SchedulerLink (its own stream, registration, heartbeats,
// statuses, kills, re-registration) with only the process launcher
// swapped for a SimulatedLauncher, and a recorded calibration document
// reported at start and on every calibration order. Collective tests are
// not answered (they need real processes). Task state changes are not
// logged per task, unlike a real agent: thousands of hosts would drown the
// log.
// Threads: the link's (one, plus a writer while connected); task ends and
// max_runtime_s ticks run on the fleet's shared SimTimer.
// Thread-safe after Start.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "agent/scheduler_link.h"
#include "agent/sim_timer.h"
#include "agent/task_manager.h"

namespace hetsched::agent {

class SimulatedHost final : public LinkHandler {
 public:
  struct Options {
    v1::NodeInfo node;     // what it registers as (name included)
    std::string work_dir;  // may be shared by hosts: task ids are unique
    uint32_t cores_per_device = 0;
    SimTimer* timer = nullptr;  // must outlive the host
    SchedulerLink::Options link;
    absl::Duration default_grace = absl::Seconds(10);
    std::string calibration_json;  // empty: never reports one
  };

  explicit SimulatedHost(Options options);
  ~SimulatedHost() override;  // stops the link, then drops the tasks
  SimulatedHost(const SimulatedHost&) = delete;
  SimulatedHost& operator=(const SimulatedHost&) = delete;

  void Start();

  TaskManager& manager() { return *manager_; }
  const TaskManager& manager() const { return *manager_; }
  SchedulerLink& link() { return *link_; }
  const SchedulerLink& link() const { return *link_; }
  const std::string& name() const { return options_.node.name(); }

  // LinkHandler: what a real agent's handler does, minus the per-task log.
  void OnAssign(const v1::TaskAssignment& assignment) override;
  void OnKill(const v1::KillTask& kill) override;
  std::vector<v1::TaskStatus> RunningTasks() override;
  void OnCalibrate(const v1::RunCalibration& order) override;

 private:
  void SendCalibration();

  Options options_;
  // Declared before the manager: its sink reports to the link.
  std::unique_ptr<SchedulerLink> link_;
  std::unique_ptr<TaskManager> manager_;
};

}  // namespace hetsched::agent
