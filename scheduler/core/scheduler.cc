#include "scheduler/core/scheduler.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace hetsched::core {

absl::StatusOr<std::unique_ptr<Scheduler>> Scheduler::Create(
    const SchedulerOptions& options) {
  ASSIGN_OR_RETURN(auto policy, PlacementPolicy::Create(options.policy));
  return std::unique_ptr<Scheduler>(new Scheduler(std::move(policy)));
}

absl::Status Scheduler::Submit(const JobRequest& job) {
  if (jobs_.count(job.id) > 0) {
    return absl::AlreadyExistsError(absl::StrCat("job ", job.id, " exists"));
  }
  jobs_.emplace(job.id, Entry{job, true, "waiting for a scheduling pass"});
  return absl::OkStatus();
}

absl::Status Scheduler::Restore(const JobRequest& job,
                                const Placement& placement) {
  if (jobs_.count(job.id) > 0) {
    return absl::AlreadyExistsError(absl::StrCat("job ", job.id, " exists"));
  }
  RETURN_IF_ERROR(cluster_.Allocate(job.id, placement));
  jobs_.emplace(job.id, Entry{job, false, ""});
  return absl::OkStatus();
}

void Scheduler::Remove(std::string_view job_id) {
  cluster_.Release(job_id);
  auto it = jobs_.find(job_id);
  if (it != jobs_.end()) jobs_.erase(it);
}

void Scheduler::Requeue(std::string_view job_id) {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return;
  cluster_.Release(job_id);
  it->second.pending = true;
  it->second.reason = "requeued";
}

std::vector<Decision> Scheduler::Schedule(absl::Time /*now*/) {
  // Highest priority first, then oldest, then by id so that every run of
  // the same input decides the same.
  std::vector<Entry*> queue;
  for (auto& [id, entry] : jobs_) {
    if (entry.pending) queue.push_back(&entry);
  }
  std::stable_sort(queue.begin(), queue.end(), [](Entry* a, Entry* b) {
    if (a->job.priority != b->job.priority) {
      return a->job.priority > b->job.priority;
    }
    if (a->job.submit_time != b->job.submit_time) {
      return a->job.submit_time < b->job.submit_time;
    }
    return a->job.id < b->job.id;
  });
  std::vector<Decision> decisions;
  for (Entry* entry : queue) {
    PlacementOutcome outcome = policy_->Place(entry->job, cluster_);
    if (outcome.kind != PlacementOutcome::Kind::kPlaced) {
      entry->reason = outcome.kind == PlacementOutcome::Kind::kInfeasible
                          ? absl::StrCat("infeasible: ", outcome.reason)
                          : outcome.reason;
      continue;
    }
    if (!cluster_.Allocate(entry->job.id, outcome.placement).ok()) {
      entry->reason = "placement conflicted with the cluster; retrying";
      continue;
    }
    entry->pending = false;
    entry->reason.clear();
    decisions.push_back(
        {Decision::Type::kPlace, entry->job.id, outcome.placement, ""});
  }
  return decisions;
}

std::string Scheduler::PendingReason(std::string_view job_id) const {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end() || !it->second.pending) return "";
  return it->second.reason;
}

bool Scheduler::IsPending(std::string_view job_id) const {
  auto it = jobs_.find(job_id);
  return it != jobs_.end() && it->second.pending;
}

size_t Scheduler::pending_count() const {
  return std::count_if(jobs_.begin(), jobs_.end(),
                       [](const auto& kv) { return kv.second.pending; });
}

}  // namespace hetsched::core
