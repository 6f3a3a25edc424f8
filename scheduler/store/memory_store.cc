#include "scheduler/store/memory_store.h"

namespace hetsched::store {

absl::Status MemoryStore::Write(const WriteBatch& batch) {
  absl::MutexLock lock(&mu_);
  ++waiting_;
  mu_.Await(absl::Condition(
      +[](bool* hold) { return !*hold; }, &hold_));
  --waiting_;
  if (!failure_.ok()) return failure_;
  write_sizes_.push_back(batch.jobs.size() + batch.nodes.size() +
                         batch.events.size() + batch.deleted_nodes.size() +
                         batch.retired_jobs.size());
  for (const auto& job : batch.jobs) jobs_[job.id()] = job;
  for (const auto& name : batch.deleted_nodes) nodes_.erase(name);
  for (const auto& node : batch.nodes) nodes_[node.info().name()] = node;
  for (const auto& event : batch.events) {
    events_[event.job_id()].push_back(event);
  }
  for (const auto& summary : batch.retired_jobs) {
    jobs_.erase(summary.id());
    events_.erase(summary.id());
    retired_[summary.id()] = summary;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::map<std::string, std::vector<hetsched::v1::JobEvent>>>
MemoryStore::LoadAllEvents() {
  absl::MutexLock lock(&mu_);
  return events_;
}

absl::StatusOr<std::vector<hetsched::v1::Job>> MemoryStore::LoadRetired() {
  absl::MutexLock lock(&mu_);
  std::vector<hetsched::v1::Job> out;
  for (const auto& [id, summary] : retired_) out.push_back(summary);
  return out;
}

absl::StatusOr<std::vector<hetsched::v1::Job>> MemoryStore::LoadJobs() {
  absl::MutexLock lock(&mu_);
  std::vector<hetsched::v1::Job> out;
  for (const auto& [id, job] : jobs_) out.push_back(job);
  return out;
}

absl::StatusOr<std::vector<hetsched::v1::Node>> MemoryStore::LoadNodes() {
  absl::MutexLock lock(&mu_);
  std::vector<hetsched::v1::Node> out;
  for (const auto& [name, node] : nodes_) out.push_back(node);
  return out;
}

absl::StatusOr<std::vector<hetsched::v1::JobEvent>> MemoryStore::LoadEvents(
    const std::string& job_id) {
  absl::MutexLock lock(&mu_);
  auto it = events_.find(job_id);
  if (it == events_.end()) return std::vector<hetsched::v1::JobEvent>{};
  return it->second;
}

void MemoryStore::FailWrites(absl::Status status) {
  absl::MutexLock lock(&mu_);
  failure_ = std::move(status);
}

void MemoryStore::HoldWrites() {
  absl::MutexLock lock(&mu_);
  hold_ = true;
}

void MemoryStore::Release() {
  absl::MutexLock lock(&mu_);
  hold_ = false;
}

int MemoryStore::WritesWaiting() const {
  absl::MutexLock lock(&mu_);
  return waiting_;
}

std::vector<size_t> MemoryStore::WriteSizes() const {
  absl::MutexLock lock(&mu_);
  return write_sizes_;
}

}  // namespace hetsched::store
