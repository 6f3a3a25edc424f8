#include "agent/simulated_fleet.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "agent/node_info.h"

namespace hetsched::agent {

HostDescription SimulatedFleet::HostAt(const HostDescription& host,
                                       const std::string& prefix, int index) {
  HostDescription out = host;
  if (host.ultraserver_size > 0) {
    const std::string& base =
        host.topology.ultraserver.empty() ? prefix : host.topology.ultraserver;
    out.topology.ultraserver = absl::StrCat(
        base, "-", index / static_cast<int>(host.ultraserver_size));
  }
  return out;
}

SimulatedFleet::SimulatedFleet(Options options) : options_(std::move(options)) {
  hosts_.reserve(options_.hosts);
  for (int i = 0; i < options_.hosts; ++i) {
    const std::string name = absl::StrCat(options_.prefix, "-", i);
    SimulatedHost::Options host;
    host.node = BuildNodeInfo(HostAt(options_.host, options_.prefix, i), name,
                              options_.agent_address);
    host.work_dir = options_.work_dir;
    host.cores_per_device = options_.host.cores_per_device;
    host.timer = &timer_;
    host.link = options_.link;
    host.default_grace = options_.default_grace;
    host.calibration_json = options_.calibration_json;
    hosts_.push_back(std::make_unique<SimulatedHost>(std::move(host)));
  }
}

SimulatedFleet::~SimulatedFleet() {
  for (auto& host : hosts_) host->link().Stop();
  timer_.Stop();  // no tick or task end runs from here on
  hosts_.clear();
}

void SimulatedFleet::Start() {
  for (auto& host : hosts_) host->Start();
  ScheduleTick();
}

void SimulatedFleet::ScheduleTick() {
  timer_.After(options_.tick, [this] {
    for (auto& host : hosts_) host->manager().Tick();
    ScheduleTick();
  });
}

void SimulatedFleet::Stop(absl::Duration grace, absl::Duration flush) {
  for (auto& host : hosts_) host->link().StopAccepting();
  // Every host's tasks are told first, then awaited: simulated tasks end
  // at once, so the waits are short.
  for (auto& host : hosts_) {
    host->manager().StopAll(grace, v1::TASK_STATE_PREEMPTED,
                            "agent shutting down", absl::ZeroDuration());
  }
  for (auto& host : hosts_) {
    host->manager().StopAll(grace, v1::TASK_STATE_PREEMPTED,
                            "agent shutting down", grace + absl::Seconds(5));
  }
  const absl::Time deadline = absl::Now() + flush;
  for (auto& host : hosts_) {
    host->link().Flush(std::max(deadline - absl::Now(), absl::ZeroDuration()));
  }
  for (auto& host : hosts_) host->link().Stop();
}

TaskManager::Stats SimulatedFleet::Stats() const {
  TaskManager::Stats sum;
  for (const auto& host : hosts_) {
    TaskManager::Stats s = host->manager().GetStats();
    sum.starting += s.starting;
    sum.running += s.running;
    for (const auto& [state, n] : s.ended_total) sum.ended_total[state] += n;
  }
  return sum;
}

int64_t SimulatedFleet::connects() const {
  int64_t sum = 0;
  for (const auto& host : hosts_) sum += host->link().connects();
  return sum;
}

int SimulatedFleet::connected() const {
  int n = 0;
  for (const auto& host : hosts_) n += host->link().connected();
  return n;
}

bool SimulatedFleet::Active(const std::string& task_id) const {
  for (const auto& host : hosts_) {
    if (host->manager().Active(task_id)) return true;
  }
  return false;
}

bool SimulatedFleet::WaitUntilInactive(const std::string& task_id,
                                       absl::Duration timeout) {
  for (auto& host : hosts_) {
    if (host->manager().Active(task_id)) {
      return host->manager().WaitUntilInactive(task_id, timeout);
    }
  }
  return true;
}

}  // namespace hetsched::agent
