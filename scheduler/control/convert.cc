#include "scheduler/control/convert.h"

#include "absl/time/time.h"

namespace hetsched::control {

core::JobRequest ToJobRequest(const v1::Job& job) {
  const v1::JobSpec& spec = job.spec();
  core::JobRequest r;
  r.id = job.id();
  r.queue = spec.queue().empty() ? "default" : spec.queue();
  r.priority = spec.priority();
  r.kind = spec.kind() == v1::JOB_KIND_INFERENCE ? core::JobKind::kInference
                                                 : core::JobKind::kTraining;
  r.submit_time = absl::FromUnixMillis(job.submit_time_ms());
  r.preemptible = spec.preemptible();
  r.allow_degraded = spec.allow_degraded();
  switch (spec.topology().same_ultraserver()) {
    case v1::TOPOLOGY_REQUIREMENT_REQUIRED:
      r.same_ultraserver = core::TopologyRequirement::kRequired;
      break;
    case v1::TOPOLOGY_REQUIREMENT_PREFERRED:
      r.same_ultraserver = core::TopologyRequirement::kPreferred;
      break;
    default:
      r.same_ultraserver = core::TopologyRequirement::kNone;
  }
  r.providers.assign(spec.providers().begin(), spec.providers().end());
  r.job_class = spec.job_class();
  r.max_runtime = absl::Seconds(spec.max_runtime_s());
  for (const auto& g : spec.task_groups()) {
    core::TaskGroupRequest group;
    group.name = g.name();
    group.replicas = static_cast<int>(g.replicas());
    group.accelerators_per_replica = static_cast<int>(g.accelerators().count());
    group.kinds.assign(g.accelerators().kinds().begin(),
                       g.accelerators().kinds().end());
    group.node_selector.insert(g.node_selector().begin(),
                               g.node_selector().end());
    group.memory_bytes_per_replica = g.memory_bytes();
    r.groups.push_back(std::move(group));
  }
  return r;
}

Labels NodeLabels(const v1::NodeInfo& info) {
  Labels labels(info.labels().begin(), info.labels().end());
  const v1::Topology& t = info.topology();
  const std::pair<const char*, const std::string*> well_known[] = {
      {"hetsched.io/hostname", &info.name()},
      {"hetsched.io/instance-type", &info.instance_type()},
      {"hetsched.io/provider", &t.provider()},
      {"hetsched.io/region", &t.region()},
      {"hetsched.io/zone", &t.zone()},
      {"hetsched.io/rack", &t.rack()},
      {"hetsched.io/ultraserver", &t.ultraserver()},
      {"hetsched.io/network-block", &t.network_block()}};
  for (const auto& [key, value] : well_known) {
    if (value == nullptr || value->empty()) {
      labels.erase(key);
    } else {
      labels[key] = *value;
    }
  }
  return labels;
}

core::Node ToCoreNode(const v1::Node& node) {
  const v1::NodeInfo& info = node.info();
  core::Node n;
  n.name = info.name();
  if (!info.accelerators().empty()) {
    n.accelerator_kind = info.accelerators(0).kind();
  }
  n.accelerator_count = info.accelerators_size();
  n.cpu_count = static_cast<int>(info.cpu_count());
  n.memory_bytes = info.memory_bytes();
  n.topology = {info.topology().provider(), info.topology().region(),
                info.topology().zone(),     info.topology().ultraserver(),
                info.topology().rack(),     info.topology().network_block()};
  n.drained = node.drained();
  // An unhealthy node (its agent says so) takes no new work but still
  // counts for feasibility: it comes back by itself.
  n.ready = node.connected() && node.state() != v1::NODE_STATE_LOST &&
            node.unhealthy_reason().empty();
  n.degraded = node.degraded();
  n.speed_factor = node.speed_factor() > 0 ? node.speed_factor() : 1.0;
  n.price_per_accel_hour = info.price_per_accel_hour();
  n.labels = NodeLabels(info);
  return n;
}

core::TaskState ToCoreTaskState(v1::TaskState s) {
  switch (s) {
    case v1::TASK_STATE_PLACED:
      return core::TaskState::kPlaced;
    case v1::TASK_STATE_STARTING:
      return core::TaskState::kStarting;
    case v1::TASK_STATE_RUNNING:
      return core::TaskState::kRunning;
    case v1::TASK_STATE_SUCCEEDED:
      return core::TaskState::kSucceeded;
    case v1::TASK_STATE_FAILED:
      return core::TaskState::kFailed;
    case v1::TASK_STATE_PREEMPTED:
      return core::TaskState::kPreempted;
    case v1::TASK_STATE_CANCELLED:
      return core::TaskState::kCancelled;
    case v1::TASK_STATE_LOST:
      return core::TaskState::kLost;
    default:
      return core::TaskState::kPending;
  }
}

v1::TaskState ToApiTaskState(core::TaskState s) {
  switch (s) {
    case core::TaskState::kPending:
      return v1::TASK_STATE_PENDING;
    case core::TaskState::kPlaced:
      return v1::TASK_STATE_PLACED;
    case core::TaskState::kStarting:
      return v1::TASK_STATE_STARTING;
    case core::TaskState::kRunning:
      return v1::TASK_STATE_RUNNING;
    case core::TaskState::kSucceeded:
      return v1::TASK_STATE_SUCCEEDED;
    case core::TaskState::kFailed:
      return v1::TASK_STATE_FAILED;
    case core::TaskState::kPreempted:
      return v1::TASK_STATE_PREEMPTED;
    case core::TaskState::kCancelled:
      return v1::TASK_STATE_CANCELLED;
    case core::TaskState::kLost:
      return v1::TASK_STATE_LOST;
  }
  return v1::TASK_STATE_UNSPECIFIED;
}

std::string JobStateName(v1::JobState s) {
  std::string name = v1::JobState_Name(s);
  return name.rfind("JOB_STATE_", 0) == 0 ? name.substr(10) : name;
}

std::string TaskStateName(v1::TaskState s) {
  std::string name = v1::TaskState_Name(s);
  return name.rfind("TASK_STATE_", 0) == 0 ? name.substr(11) : name;
}

std::string HostOf(const std::string& address) {
  if (!address.empty() && address[0] == '[') {
    auto close = address.find(']');
    return close == std::string::npos ? address : address.substr(1, close - 1);
  }
  auto colon = address.rfind(':');
  return colon == std::string::npos ? address : address.substr(0, colon);
}

}  // namespace hetsched::control
