#include "scheduler/core/cluster.h"

#include <algorithm>
#include <cstdint>
#include <map>

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
  auto existing = state_.find(node.name);
  if (existing != state_.end()) {
    const auto& holder = existing->second.holder;
    for (size_t i = node.accelerator_count; i < holder.size(); ++i) {
      if (!holder[i].empty()) {
        return absl::FailedPreconditionError(
            absl::StrCat("node ", node.name, ": device ", i, " is held by ",
                         holder[i], " and cannot be removed"));
      }
    }
  }
  NodeState& state = state_[node.name];
  if (state.id < 0) {
    state.id = static_cast<int>(by_id_.size());
    by_id_.push_back(&state);
  }
  total_ += node.accelerator_count - static_cast<int>(state.holder.size());
  state.holder.resize(node.accelerator_count);
  state.free = static_cast<int>(
      std::count_if(state.holder.begin(), state.holder.end(),
                    [](const std::string& h) { return h.empty(); }));
  auto& stored = nodes_[node.name];
  stored = node;
  index_.Upsert(state.id, &stored, state.free);
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
  if (it->second.cpus_used > 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "node ", std::string(name), " still runs CPU-only replicas"));
  }
  index_.Remove(it->second.id);
  by_id_[it->second.id] = nullptr;
  total_ -= static_cast<int>(it->second.holder.size());
  state_.erase(it);
  nodes_.erase(nodes_.find(name));
  return absl::OkStatus();
}

const Node* Cluster::FindNode(std::string_view name) const {
  auto it = nodes_.find(name);
  return it == nodes_.end() ? nullptr : &it->second;
}

int Cluster::NodeId(std::string_view name) const {
  auto it = state_.find(name);
  return it == state_.end() ? -1 : it->second.id;
}

int Cluster::FreeAccelerators(std::string_view node) const {
  auto it = state_.find(node);
  return it == state_.end() ? 0 : it->second.free;
}

int Cluster::FreeCpus(std::string_view node) const {
  auto state = state_.find(node);
  auto described = nodes_.find(node);
  if (state == state_.end() || described == nodes_.end()) return 0;
  return std::max(0, described->second.cpu_count - state->second.cpus_used);
}

uint64_t Cluster::FreeMemory(std::string_view node) const {
  auto state = state_.find(node);
  auto described = nodes_.find(node);
  if (state == state_.end() || described == nodes_.end()) return 0;
  const uint64_t total = described->second.memory_bytes;
  if (total == 0) return UINT64_MAX;
  return total > state->second.memory_used ? total - state->second.memory_used
                                           : 0;
}

std::vector<int> Cluster::FreeDevicesOf(int id) const {
  std::vector<int> devices;
  if (id < 0 || id >= static_cast<int>(by_id_.size()) || !by_id_[id]) {
    return devices;
  }
  const auto& holder = by_id_[id]->holder;
  for (size_t i = 0; i < holder.size(); ++i) {
    if (holder[i].empty()) devices.push_back(static_cast<int>(i));
  }
  return devices;
}

std::vector<int> Cluster::FreeDevices(std::string_view node) const {
  return FreeDevicesOf(NodeId(node));
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
                               const Placement& placement,
                               CapacityCheck check) {
  const bool enforce = check == CapacityCheck::kEnforce;
  if (job_id.empty()) {
    return absl::InvalidArgumentError("job_id: must not be empty");
  }
  if (allocations_.count(job_id) > 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "job ", std::string(job_id), " already holds accelerators"));
  }
  // Check everything first so that a failure takes nothing. Replicas of one
  // node may repeat, so claims are tracked per node.
  std::vector<std::pair<NodeState*, int>> claims;
  std::map<NodeState*, int> cpu_claims;
  std::map<NodeState*, uint64_t> memory_claims;
  for (const auto& r : placement.replicas) {
    auto it = state_.find(r.node);
    if (it == state_.end()) {
      return absl::FailedPreconditionError(
          absl::StrCat("node ", r.node, " is unknown"));
    }
    NodeState* state = &it->second;
    if (r.cpus < 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("node ", r.node, ": a negative core count"));
    }
    if (r.cpus > 0) {
      const int want = cpu_claims[state] += r.cpus;
      if (enforce && want > FreeCpus(r.node)) {
        return absl::FailedPreconditionError(
            absl::StrCat("node ", r.node, " has ", FreeCpus(r.node),
                         " free cores, not ", want));
      }
    }
    if (r.memory_bytes > 0) {
      const uint64_t want = memory_claims[state] += r.memory_bytes;
      if (enforce && want > FreeMemory(r.node)) {
        return absl::FailedPreconditionError(
            absl::StrCat("node ", r.node, " has ", FreeMemory(r.node),
                         " bytes of memory free, not ", want));
      }
    }
    for (int d : r.devices) {
      if (d < 0 || d >= static_cast<int>(state->holder.size())) {
        return absl::FailedPreconditionError(
            absl::StrCat("node ", r.node, " has no device ", d));
      }
      if (!state->holder[d].empty()) {
        return absl::FailedPreconditionError(
            absl::StrCat("node ", r.node, " device ", d, " is taken"));
      }
      claims.emplace_back(state, d);
    }
  }
  std::sort(claims.begin(), claims.end());
  auto twice = std::adjacent_find(claims.begin(), claims.end());
  if (twice != claims.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat("device ", twice->second, " is claimed twice"));
  }
  std::string holder(job_id);
  for (auto& [state, d] : claims) {
    state->holder[d] = holder;
    --state->free;
  }
  for (auto& [state, d] : claims) index_.SetFree(state->id, state->free);
  for (auto& [state, n] : cpu_claims) state->cpus_used += n;
  for (auto& [state, n] : memory_claims) state->memory_used += n;
  allocated_ += static_cast<int>(claims.size());
  allocations_.emplace(std::move(holder), placement);
  return absl::OkStatus();
}

void Cluster::Release(std::string_view job_id) {
  auto it = allocations_.find(job_id);
  if (it == allocations_.end()) return;
  for (const auto& r : it->second.replicas) {
    auto node = state_.find(r.node);
    if (node == state_.end()) continue;
    NodeState& state = node->second;
    state.cpus_used = std::max(0, state.cpus_used - std::max(r.cpus, 0));
    state.memory_used -= std::min(state.memory_used, r.memory_bytes);
    for (int d : r.devices) {
      if (d >= 0 && d < static_cast<int>(state.holder.size()) &&
          state.holder[d] == job_id) {
        state.holder[d].clear();
        ++state.free;
        --allocated_;
      }
    }
    index_.SetFree(state.id, state.free);
  }
  allocations_.erase(it);
}

bool Cluster::Holds(std::string_view job_id) const {
  return allocations_.count(job_id) > 0;
}

const Placement* Cluster::PlacementOf(std::string_view job_id) const {
  auto it = allocations_.find(job_id);
  return it == allocations_.end() ? nullptr : &it->second;
}

std::vector<std::string> Cluster::NodesOf(std::string_view job_id) const {
  std::vector<std::string> names;
  auto it = allocations_.find(job_id);
  if (it == allocations_.end()) return names;
  for (const auto& r : it->second.replicas) names.push_back(r.node);
  return names;
}

bool IsSchedulable(const Node& node, bool allow_degraded) {
  return node.ready && !node.drained && (allow_degraded || !node.degraded);
}

}  // namespace hetsched::core
