#include "agent/simulated_host.h"

#include "agent/simulated_launcher.h"

namespace hetsched::agent {

SimulatedHost::SimulatedHost(Options options) : options_(std::move(options)) {
  link_ = std::make_unique<SchedulerLink>(options_.link, options_.node);
  TaskManager::Options manager_options;
  manager_options.work_dir = options_.work_dir;
  if (options_.node.accelerators_size() > 0) {
    manager_options.node_kind = options_.node.accelerators(0).kind();
  }
  manager_options.accelerator_count =
      static_cast<uint32_t>(options_.node.accelerators_size());
  manager_options.cores_per_device = options_.cores_per_device;
  manager_options.clock = options_.link.clock;
  manager_options.default_grace = options_.default_grace;
  SimTimer* timer = options_.timer;
  manager_options.launcher = [timer](TaskLauncher::ExitCallback cb) {
    return std::make_unique<SimulatedLauncher>(timer, std::move(cb));
  };
  manager_options.own_timer = false;  // the fleet ticks every manager
  SchedulerLink* link = link_.get();
  manager_ = std::make_unique<TaskManager>(
      manager_options, [link](const v1::TaskStatus& s) { link->Report(s); });
}

SimulatedHost::~SimulatedHost() {
  link_->Stop();  // no more calls into the handler
  manager_.reset();
}

void SimulatedHost::Start() {
  SendCalibration();  // queued until the link has registered
  link_->Start(this);
}

void SimulatedHost::OnAssign(const v1::TaskAssignment& assignment) {
  manager_->Assign(assignment);
}

void SimulatedHost::OnKill(const v1::KillTask& kill) { manager_->Kill(kill); }

std::vector<v1::TaskStatus> SimulatedHost::RunningTasks() {
  return manager_->Running();
}

void SimulatedHost::OnCalibrate(const v1::RunCalibration& /*order*/) {
  SendCalibration();
}

void SimulatedHost::SendCalibration() {
  if (options_.calibration_json.empty()) return;
  v1::AgentMessage message;
  message.mutable_calibration()->set_document_json(options_.calibration_json);
  message.mutable_calibration()->set_measured_at_ms(
      ToUnixMillis(options_.link.clock->Now()));
  link_->Send(std::move(message));
}

}  // namespace hetsched::agent
