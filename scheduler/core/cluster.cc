#include "scheduler/core/cluster.h"

#include "absl/strings/str_cat.h"

namespace hetsched::core {

absl::Status Cluster::UpsertNode(const Node& node) {
  if (node.name.empty()) {
    return absl::InvalidArgumentError("node.name: must not be empty");
  }
  if (node.accelerator_count < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "node ", node.name, ": accelerator_count must not be negative"));
  }
  NodeState& state = state_[node.name];
  for (size_t i = node.accelerator_count; i < state.holder.size(); ++i) {
    if (!state.holder[i].empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("node ", node.name, ": device ", i, " is held by ",
                       state.holder[i], " and cannot be removed"));
    }
  }
  state.holder.resize(node.accelerator_count);
  nodes_[node.name] = node;
  return absl::OkStatus();
}

absl::Status Cluster::RemoveNode(std::string_view name) {
  auto it = state_.find(name);
  if (it == state_.end()) return absl::OkStatus();
  for (const auto& h : it->second.holder) {
    if (!h.empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("node ", std::string(name), " still runs ", h));
    }
  }
  state_.erase(it);
  nodes_.erase(nodes_.find(name));
  return absl::OkStatus();
}

const Node* Cluster::FindNode(std::string_view name) const {
  auto it = nodes_.find(name);
  return it == nodes_.end() ? nullptr : &it->second;
}

int Cluster::FreeAccelerators(std::string_view node) const {
  auto it = state_.find(node);
  if (it == state_.end()) return 0;
  int free = 0;
  for (const auto& h : it->second.holder) free += h.empty() ? 1 : 0;
  return free;
}

std::vector<int> Cluster::FreeDevices(std::string_view node) const {
  std::vector<int> devices;
  auto it = state_.find(node);
  if (it == state_.end()) return devices;
  for (size_t i = 0; i < it->second.holder.size(); ++i) {
    if (it->second.holder[i].empty()) devices.push_back(static_cast<int>(i));
  }
  return devices;
}

std::string_view Cluster::HolderOf(std::string_view node, int device) const {
  auto it = state_.find(node);
  if (it == state_.end() || device < 0 ||
      device >= static_cast<int>(it->second.holder.size())) {
    return {};
  }
  return it->second.holder[device];
}

absl::Status Cluster::Allocate(std::string_view job_id,
                               const Placement& placement) {
  if (job_id.empty()) {
    return absl::InvalidArgumentError("job_id: must not be empty");
  }
  if (allocations_.count(job_id) > 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "job ", std::string(job_id), " already holds accelerators"));
  }
  // Check everything first so that a failure takes nothing.
  std::map<std::string, std::vector<bool>> claimed;
  for (const auto& r : placement.replicas) {
    auto it = state_.find(r.node);
    if (it == state_.end()) {
      return absl::FailedPreconditionError(
          absl::StrCat("node ", r.node, " is unknown"));
    }
    auto& mine = claimed[r.node];
    mine.resize(it->second.holder.size());
    for (int d : r.devices) {
      if (d < 0 || d >= static_cast<int>(it->second.holder.size())) {
        return absl::FailedPreconditionError(
            absl::StrCat("node ", r.node, " has no device ", d));
      }
      if (!it->second.holder[d].empty() || mine[d]) {
        return absl::FailedPreconditionError(
            absl::StrCat("node ", r.node, " device ", d, " is taken"));
      }
      mine[d] = true;
    }
  }
  for (const auto& r : placement.replicas) {
    for (int d : r.devices) state_[r.node].holder[d] = std::string(job_id);
  }
  allocations_.emplace(std::string(job_id), placement);
  return absl::OkStatus();
}

void Cluster::Release(std::string_view job_id) {
  auto it = allocations_.find(job_id);
  if (it == allocations_.end()) return;
  for (const auto& r : it->second.replicas) {
    auto node = state_.find(r.node);
    if (node == state_.end()) continue;
    for (int d : r.devices) {
      if (d >= 0 && d < static_cast<int>(node->second.holder.size()) &&
          node->second.holder[d] == job_id) {
        node->second.holder[d].clear();
      }
    }
  }
  allocations_.erase(it);
}

bool Cluster::Holds(std::string_view job_id) const {
  return allocations_.count(job_id) > 0;
}

std::vector<std::string> Cluster::NodesOf(std::string_view job_id) const {
  std::vector<std::string> names;
  auto it = allocations_.find(job_id);
  if (it == allocations_.end()) return names;
  for (const auto& r : it->second.replicas) names.push_back(r.node);
  return names;
}

int Cluster::TotalAccelerators() const {
  int total = 0;
  for (const auto& [name, node] : nodes_) total += node.accelerator_count;
  return total;
}

int Cluster::AllocatedAccelerators() const {
  int used = 0;
  for (const auto& [name, state] : state_) {
    for (const auto& h : state.holder) used += h.empty() ? 0 : 1;
  }
  return used;
}

bool IsSchedulable(const Node& node, bool allow_degraded) {
  return node.ready && !node.drained && (allow_degraded || !node.degraded);
}

}  // namespace hetsched::core
