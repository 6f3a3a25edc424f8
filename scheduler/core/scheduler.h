// The scheduling brain: a queue of pending jobs over a Cluster, and a pass
// that turns the queue into decisions (place, preempt) as values. No
// threads, no clock of its own: the caller passes `now`.
// Not thread-safe: the owner serialises access.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "scheduler/core/cluster.h"
#include "scheduler/core/placement_policy.h"
#include "scheduler/core/types.h"

namespace hetsched::core {

struct SchedulerOptions {
  std::string policy = "first-fit";
};

struct Decision {
  enum class Type { kPlace, kPreempt };
  Type type = Type::kPlace;
  std::string job_id;
  Placement placement;  // kPlace: already committed to the cluster
  std::string reason;
};

class Scheduler {
 public:
  static absl::StatusOr<std::unique_ptr<Scheduler>> Create(
      const SchedulerOptions& options);

  Cluster& cluster() { return cluster_; }
  const Cluster& cluster() const { return cluster_; }

  // Queues a job. ALREADY_EXISTS when the id is known.
  absl::Status Submit(const JobRequest& job);
  // Re-creates a job that already runs at `placement` (scheduler restart).
  absl::Status Restore(const JobRequest& job, const Placement& placement);
  // Forgets a job: leaves the queue and frees its accelerators.
  void Remove(std::string_view job_id);
  // Frees a running job's accelerators and queues it again, keeping its
  // place (submit time) in line. No-op for an unknown job.
  void Requeue(std::string_view job_id);

  // One scheduling pass. Place decisions are already committed.
  std::vector<Decision> Schedule(absl::Time now);

  // Why a pending job waits; empty for jobs that are not pending.
  std::string PendingReason(std::string_view job_id) const;
  bool IsPending(std::string_view job_id) const;
  size_t pending_count() const;

 private:
  explicit Scheduler(std::unique_ptr<PlacementPolicy> policy)
      : policy_(std::move(policy)) {}

  struct Entry {
    JobRequest job;
    bool pending = true;
    std::string reason;
  };
  std::unique_ptr<PlacementPolicy> policy_;
  Cluster cluster_;
  std::map<std::string, Entry, std::less<>> jobs_;
};

}  // namespace hetsched::core
