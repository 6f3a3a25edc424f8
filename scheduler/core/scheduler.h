// The scheduling brain: queues of pending jobs over a Cluster, and a pass
// that turns them into decisions (place, preempt) as values. No threads,
// no clock of its own: the caller passes `now`. The pass (scheduler_pass.cc)
// orders jobs by the policy (policy_config.h), admits them through queue
// quotas (queue_book.h), places them with a placement policy, reserves room
// for blocked jobs and backfills around the reservations, and preempts
// (scheduler_preempt.cc) for priority, quota reclaim and LAS rounds.
//
// Preemption protocol: a kPreempt decision names a victim, which keeps its
// accelerators (and gets no second kPreempt) until the caller calls
// Requeue(victim) once its processes are gone; the job it made room for is
// tried first in later passes.
// Not thread-safe: the owner serialises access.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "scheduler/core/allocation_solver.h"
#include "scheduler/core/cluster.h"
#include "scheduler/core/placement_policy.h"
#include "scheduler/core/policy_config.h"
#include "scheduler/core/queue_book.h"
#include "scheduler/core/throughput_model.h"
#include "scheduler/core/types.h"

namespace hetsched::core {

struct SchedulerOptions {
  // See policy_config.h: fifo, priority, fair, hetero, cost, first-fit,
  // with +modifiers. The default is heterogeneity-aware placement with DRF
  // fairness, priority preemption and backfill.
  std::string policy = "hetero";
  std::vector<QueueConfig> queues;  // unknown queues: weight 1, no quota
  absl::Duration preemption_grace = absl::Seconds(30);
  // Length of a time-sharing round. Non-zero turns rounds (and LAS order)
  // on for every policy that preempts; "+las" turns them on with 5 minutes
  // when this is zero.
  absl::Duration round = absl::ZeroDuration();
  // What a restart costs a job; rounds never rotate a job that has run
  // less than max(round, 2 x penalty) since it started.
  absl::Duration restart_penalty = absl::ZeroDuration();
  int max_reservations = 4;  // blocked jobs that get a reservation per pass
  // Bounds on one pass's work, as Slurm's bf_max_job_test: pending jobs
  // looked at (in policy order) and victim searches. Jobs further back wait
  // for a later pass.
  int max_jobs_per_pass = 10000;
  int max_preemption_searches = 8;
  // The allocation optimizer (max-min, min-jct, min-makespan, min-cost):
  // jobs per LP before it is partitioned (POP), and simplex iterations per
  // LP before the round falls back to hetero order and placement.
  int optimizer_partition_jobs = 1000;
  int optimizer_max_iterations = 200000;
  // The LP is solved again when a job arrives or leaves, and at least this
  // often (the remaining work and the shares received drift slowly).
  absl::Duration optimizer_period = absl::Hours(1);
  // When set, CPU seconds of the calling thread; the core adds up what its
  // solves take (SchedulerStats::solver_cpu_s). Injected: the core reads
  // no clock of its own.
  std::function<double()> cpu_seconds;
  // Where the LPs are solved; empty: on the pass's thread, at once
  // (InlineAllocationSolver). The daemon passes a worker thread's.
  std::shared_ptr<AllocationSolver> allocation_solver;
  // min-cost weighs energy with node prices: the catalogue's board power
  // of a kind x this price is added to its price per accelerator-hour.
  double energy_price_per_kwh = 0;
};

struct Decision {
  enum class Type { kPlace, kPreempt };
  Type type = Type::kPlace;
  std::string job_id;
  Placement placement;  // kPlace: already committed to the cluster
  std::string reason;
  absl::Duration grace = absl::ZeroDuration();  // kPreempt: time to stop
  std::string preemptor;  // kPreempt: the job it makes room for
};

// Plain counters for the service layer's metrics.
struct SchedulerStats {
  long passes = 0;
  long placements = 0;
  long preemptions = 0;
  long reservations = 0;
  long backfilled = 0;  // placed while a blocked job ahead held a reservation
  long solves = 0;      // allocation solutions taken (solved or failed)
  long solver_fallbacks = 0;      // of those, failures: hetero until the next
  double solver_cpu_s = 0;        // with SchedulerOptions::cpu_seconds
  std::string last_solver_error;  // why the last fallback happened
};

class Scheduler {
 public:
  static absl::StatusOr<std::unique_ptr<Scheduler>> Create(
      const SchedulerOptions& options);

  Cluster& cluster() { return cluster_; }
  const Cluster& cluster() const { return cluster_; }

  // Queues a job. ALREADY_EXISTS when the id is known; INVALID_ARGUMENT
  // when it has no task group.
  absl::Status Submit(const JobRequest& job);
  // Changes a queued job's priority in place: its submit time, attained
  // service and allocation share stay (a removal and a new submission
  // would reset them). NOT_FOUND for an unknown job; a job that is not
  // pending keeps its place until it is queued again, with the new value.
  absl::Status SetPriority(std::string_view job_id, int priority);
  // Re-creates a job that already runs at `placement` (scheduler restart).
  absl::Status Restore(const JobRequest& job, const Placement& placement);
  // Forgets a job: leaves the queue and frees its accelerators. Times
  // default to the last pass's `now` (for attained-service accounting).
  void Remove(std::string_view job_id);
  void Remove(std::string_view job_id, absl::Time now);
  // Frees a running (or preempted) job's accelerators and queues it again,
  // keeping its place (submit time) in line. No-op for an unknown job.
  void Requeue(std::string_view job_id);
  void Requeue(std::string_view job_id, absl::Time now);

  // One scheduling pass. Place decisions are already committed.
  std::vector<Decision> Schedule(absl::Time now);

  // Replaces the queue configuration (weights, quotas, cohorts).
  absl::Status SetQueues(const std::vector<QueueConfig>& queues);
  // job_class -> kind -> N -> steps/s of the whole job (see
  // throughput_model.h). Replaces the table; observed corrections stay.
  void SetThroughputTable(ThroughputTable table);
  // A running job's measured rate; corrects the estimate of its class on
  // its kind. Ignored for jobs that are not running.
  void ReportStepRate(std::string_view job_id, double steps_per_second);
  // A job's progress in steps of the whole job (min-jct and min-makespan
  // use total_steps minus this); without reports the core estimates it
  // from the time run and the throughput model.
  void ReportProgress(std::string_view job_id, double steps_done);

  // Why a pending job waits; empty for jobs that are not pending.
  std::string PendingReason(std::string_view job_id) const;
  bool IsPending(std::string_view job_id) const;
  // Whether a kPreempt was issued for the job and it has not been requeued.
  bool IsPreempting(std::string_view job_id) const;
  size_t pending_count() const { return pending_count_; }

  const PolicyConfig& policy() const { return config_; }
  const SchedulerStats& stats() const { return stats_; }
  const ThroughputModel& throughput() const { return model_; }

 private:
  struct Entry;
  struct OrderKey {
    int64_t a = 0, b = 0, c = 0;
    const std::string* id = nullptr;
    Entry* entry = nullptr;
    bool operator<(const OrderKey& o) const {
      if (a != o.a) return a < o.a;
      if (b != o.b) return b < o.b;
      if (c != o.c) return c < o.c;
      return *id < *o.id;
    }
  };
  enum class State { kPending, kRunning, kPreempting };
  struct Entry {
    JobRequest job;
    State state = State::kPending;
    std::shared_ptr<const std::string> reason;
    int shape = 0;  // jobs of one shape fit or fail alike within a pass
    bool has_quota = false;  // its queue has a quota (no shape cache)
    OrderKey key;
    absl::Time last_start = absl::InfinitePast();
    absl::Time end_bound = absl::InfiniteFuture();  // start + max runtime
    double attained = 0;  // accelerator-seconds run so far
    int accelerators = 0;
    double speed = 1;
    std::map<std::string, int> usage;  // kind -> accelerators held
    bool borrowing = false;
    std::vector<std::string> waiting_for;  // victims preempted for it
    // Allocation optimizer (scheduler_optimize.cc): the job's share of time
    // per kind from the last solve (empty: no restriction), their sum, and
    // what it received: seconds run and steps done (estimated).
    std::map<std::string, double> target;
    double target_total = 0;
    // Effective targets and service: time x (rate on the kind / the job's
    // best rate), so time on a slow kind counts for less.
    double target_norm = 0;
    double norm_run_s = 0;
    double norm_now = 0;  // while running: rate here / best rate
    double run_s = 0;
    double steps_done = 0;
    bool progress_reported = false;  // steps_done comes from reports
  };
  enum class Try { kPlaced, kWait, kInfeasible, kQuota };
  // Room held for a blocked job: the devices it will use at `until` that
  // are free now are taken by a pseudo job for the rest of the pass.
  struct Reservation {
    std::string holder;
    absl::Time until;
    Placement devices;
  };
  // What one pass learns; dropped at its end.
  struct Pass {
    absl::Time now;
    struct Fail {
      Try result;
      std::shared_ptr<const std::string> reason;
      // Jobs of the shape fail without lifting reservations; with lifting,
      // those this long or longer fail too.
      absl::Duration lift_min_runtime = absl::InfiniteDuration();
    };
    std::vector<std::optional<Fail>> shape_fail;
    std::set<std::tuple<int, int, bool>> preempt_failed;
    std::vector<Reservation> reservations;
    int preemption_searches = 0;
    absl::Time t_min = absl::InfiniteFuture();
    std::map<std::string, int> capacity;
  };

  Scheduler(PolicyConfig config, std::unique_ptr<PlacementPolicy> policy,
            const SchedulerOptions& options);

  // Bookkeeping (scheduler.cc).
  std::set<OrderKey>& PendingSet(const Entry& e);
  void Enqueue(Entry& e);
  void Dequeue(Entry& e);
  void Commit(Entry& e, const Placement& placement, absl::Time now);
  void Uncommit(Entry& e, absl::Time now);
  int ShapeOf(const JobRequest& job);
  Entry* Find(std::string_view id);
  void SetReason(Entry& e, std::string reason);

  // The pass (scheduler_pass.cc).
  Try TryPlace(Entry& e, Pass& pass, std::vector<Decision>& out,
               bool use_cache);
  Try Fail(Entry& e, Pass& pass, const PlacementOutcome& outcome,
           absl::Duration runtime, bool lifted, bool cache);
  void Reserve(Entry& e, Pass& pass);
  void LiftReservations(Pass& pass);
  void BlockReservations(Pass& pass);
  PlacementContext ContextFor(const Entry& e, bool* has_quota) const;
  std::map<std::string, int> CapacityByKind() const;

  // Allocation optimizer (scheduler_optimize.cc): the problem of the active
  // training jobs now, and a solution's targets applied to them.
  AllocationRequest BuildAllocationRequest(absl::Time now) const;
  void ApplyAllocation(const AllocationOutcome& outcome);
  // Gavel's priority: share of time allocated / share received so far.
  double Deficit(const Entry& e, absl::Time now) const;
  // Rate on `kind` / the job's best rate (1 when the model cannot tell).
  double NormalizedRate(const Entry& e, const std::string& kind) const;
  // Rounds: running jobs on a kind their allocation no longer has move
  // when their allocation's kinds have room now.
  void Migrate(Pass& pass, std::vector<Decision>& out);
  bool optimizing() const { return !config_.objective.empty(); }

  // Preemption (scheduler_preempt.cc).
  bool TryPreempt(Entry& e, Pass& pass, std::vector<Decision>& out,
                  bool rotation);
  void Rotate(Pass& pass, std::vector<Decision>& out);
  bool VictimsGone(const Entry& e) const;

  PolicyConfig config_;
  std::unique_ptr<PlacementPolicy> policy_;
  SchedulerOptions options_;
  Cluster cluster_;
  QueueBook queues_;
  ThroughputModel model_;
  std::map<std::string, Entry, std::less<>> jobs_;
  std::map<std::string, std::set<OrderKey>> pending_;  // by queue when fair
  std::set<std::string> nominated_;  // waiting for their victims to stop
  std::map<std::string, int> shapes_;
  std::map<int, int> preemptible_running_;  // priority -> running count
  // Running jobs by (end bound, start, id): reservations release them in
  // the order they must end.
  std::map<std::tuple<absl::Time, absl::Time, std::string>, Entry*>
      running_by_end_;
  // Running preemptible jobs by id: the only preemption candidates.
  std::map<std::string, Entry*> preemptible_;
  size_t pending_count_ = 0;
  absl::Time now_ = absl::UnixEpoch();
  absl::Time next_round_ = absl::InfinitePast();
  absl::Time next_solve_ = absl::InfinitePast();
  bool solve_needed_ = true;  // a job arrived since the last solve
  std::shared_ptr<AllocationSolver> solver_;
  SchedulerStats stats_;
};

}  // namespace hetsched::core
