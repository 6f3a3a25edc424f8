// The scheduler's state and its rules: jobs, tasks and nodes as API
// records, kept in step with the pure core (placement) and the store
// (durability). Every change is written to the store before it is applied
// in memory or acknowledged, so a crash loses nothing acknowledged.
// gRPC services are thin wrappers over this class.
//
// Thread-safe: one mutex guards the records and is held only for memory
// work. Changes are group-committed (group_commit.h): a call that changed
// something returns once its change is durable, the write and its fsync
// happen with no lock held, and messages that follow from a change reach
// agents only once it is durable. Reads wait for what they saw to be
// durable too, so nothing not on disk is ever shown.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/accelerator_catalogue.h"
#include "common/clock.h"
#include "hetsched/v1/agent.pb.h"
#include "hetsched/v1/scheduler.pb.h"
#include "scheduler/control/agent_sink.h"
#include "scheduler/control/calibration_assessment.h"
#include "scheduler/control/collective_test_plan.h"
#include "scheduler/control/group_commit.h"
#include "scheduler/control/job_dependencies.h"
#include "scheduler/control/job_map.h"
#include "scheduler/control/job_transitions.h"
#include "scheduler/core/scheduler.h"
#include "scheduler/store/state_store.h"

namespace hetsched::control {

struct ControlPlaneOptions {
  // Policy, queues, rounds: the core's options (default policy "hetero").
  core::SchedulerOptions scheduling;
  core::ThroughputTable throughputs;  // job_class -> kind -> N -> steps/s
  absl::Duration heartbeat_interval = absl::Seconds(2);
  // A node whose agent is silent this long is LOST, and so are its tasks.
  absl::Duration node_lost_timeout = absl::Seconds(20);
  // A failed attempt's retry waits retry_backoff * 2^(retries so far),
  // at most max_retry_backoff (Kubernetes Job's back-off), so a job that
  // fails at once cannot restart in a tight loop. Zero: retry at once.
  absl::Duration retry_backoff = absl::Seconds(10);
  absl::Duration max_retry_backoff = absl::Minutes(6);
  // The operator's bound on a job's termination_grace_s.
  absl::Duration max_termination_grace = absl::Hours(1);
  // MASTER_PORT of jobs placed before rank 0's node chose the port.
  uint32_t master_port_base = 29500;
  uint32_t master_port_range = 1000;
  AcceleratorCatalogue catalogue = AcceleratorCatalogue::BuiltIn();
  CalibrationThresholds calibration;
  // A finished job leaves memory and the store this long after it ended,
  // leaving a usage summary (job_retention.h); zero keeps every job.
  absl::Duration retain_finished = absl::Hours(7 * 24);
  // One owner's PENDING jobs at most (a bound on what one caller can queue
  // up, as Slurm's MaxSubmitJobs); a submission past it is refused with
  // RESOURCE_EXHAUSTED. Zero: no bound.
  int64_t max_pending_per_owner = 10000;
};

// Where a replica's logs can be read.
struct TaskLogLocation {
  std::string task_id;
  std::string agent_address;
  bool ended = false;
};

struct ClusterSnapshot;  // cluster_snapshot.h

// Plain counters for the metrics layer.
struct ControlPlaneCounters {
  uint64_t placements = 0;
  uint64_t preemptions = 0;
  uint64_t requeues = 0;
  uint64_t task_failures = 0;
  uint64_t nodes_lost = 0;
  uint64_t passes = 0;
  // The allocation optimizer (core::SchedulerStats): solutions taken, the
  // failed ones among them, and CPU seconds of the solver thread.
  uint64_t allocation_solves = 0;
  uint64_t allocation_solver_failures = 0;
  double allocation_solver_cpu_s = 0;
};

class ControlPlane {
 public:
  // INVALID_ARGUMENT for an unknown policy.
  static absl::StatusOr<std::unique_ptr<ControlPlane>> Create(
      ControlPlaneOptions options, store::StateStore* store,
      const Clock* clock);

  // Loads jobs and nodes from the store (after a restart) and rebuilds the
  // core. Nodes come back disconnected until their agents reconnect.
  absl::Status Recover();

  // Gives every node whose agent has not reconnected yet a full lease from
  // now. Called once the server accepts connections, so the time a
  // recovery took never counts against the agents' time to come back.
  void RenewLeases();

  // --- Users ---
  absl::StatusOr<std::string> SubmitJob(v1::JobSpec spec);
  absl::StatusOr<v1::Job> GetJob(const std::string& job_id) const;
  // A page of jobs, newest first (control_plane_lists.cc).
  absl::StatusOr<v1::ListJobsResponse> ListJobs(
      const v1::ListJobsRequest& request) const;
  // Accelerator-hours and cost over a window (usage_report.h).
  absl::StatusOr<v1::GetUsageResponse> GetUsage(
      const v1::GetUsageRequest& request) const;
  absl::StatusOr<v1::Job> CancelJob(const std::string& job_id,
                                    const std::string& reason);
  // Operator verbs on one job (control_plane_holds.cc), as Slurm's
  // scontrol hold / release / requeue / update priority. The caller's
  // right to act is the service layer's to check.
  struct JobHold {
    std::string by;  // who holds it
    std::string reason;
    bool by_admin = false;  // then only an admin may release it
  };
  // A PENDING job leaves the queue until released; holding a held job is
  // a no-op. FAILED_PRECONDITION for a running or ended job.
  absl::StatusOr<v1::Job> HoldJob(const std::string& job_id,
                                  const JobHold& hold);
  absl::StatusOr<v1::Job> ReleaseJob(const std::string& job_id,
                                     const std::string& by);
  // Stops a RUNNING job's replicas (as a preemption) and queues it again
  // as a new attempt that is not counted as a retry; with `hold`, held
  // once stopped.
  absl::StatusOr<v1::Job> RequeueJob(const std::string& job_id,
                                     const std::string& by,
                                     const std::string& reason,
                                     std::optional<JobHold> hold);
  // Sends an allowed signal (common/signal_names.h) to every replica of a
  // RUNNING job that has started; FAILED_PRECONDITION when none has.
  absl::StatusOr<v1::Job> SignalJob(const std::string& job_id,
                                    const std::string& signal_name,
                                    const std::string& by);
  // A PENDING job's new priority; it keeps its submit time in line.
  absl::StatusOr<v1::Job> SetJobPriority(const std::string& job_id,
                                         int32_t priority,
                                         const std::string& by);
  // Events of `job_id` from index `*cursor` on; waits up to `timeout` when
  // there are none yet. `*done` once the job has ended and all its events
  // were returned.
  absl::StatusOr<std::vector<v1::JobEvent>> WaitForEvents(
      const std::string& job_id, size_t* cursor, absl::Duration timeout,
      bool* done);
  // Where rank `rank`'s log is: of `attempt` when given (NOT_FOUND when
  // that attempt never reached a node), else of the newest attempt that
  // reached one.
  absl::StatusOr<TaskLogLocation> LocateTaskLog(
      const std::string& job_id, uint32_t rank,
      std::optional<uint32_t> attempt = std::nullopt) const;

  // --- Operators ---
  // A page of nodes by name (control_plane_lists.cc).
  absl::StatusOr<v1::ListNodesResponse> ListNodes(
      const v1::ListNodesRequest& request) const;
  absl::StatusOr<v1::Node> GetNode(const std::string& name) const;
  absl::StatusOr<v1::Node> SetDrained(const std::string& name, bool drained,
                                      const std::string& reason);
  // Forgets a node that is gone for good (decommissioned). Only a node
  // whose agent is not connected and which runs nothing: FAILED_PRECONDITION
  // otherwise. Its agent, should it come back, simply registers anew.
  absl::Status DeleteNode(const std::string& name);
  // Asks the node's agent to calibrate now; FAILED_PRECONDITION when the
  // agent is not connected.
  absl::StatusOr<v1::Node> RequestCalibration(const std::string& name,
                                              uint32_t time_budget_s);
  // Runs a collective test over the named nodes' agents (and, with
  // `pairs`, over every pair) and waits for the result, at most the
  // request's timeout per run. Implemented in control_plane_collective.cc.
  absl::StatusOr<v1::ValidateInterconnectResponse> ValidateInterconnect(
      v1::ValidateInterconnectRequest request);

  // Replaces the queues (weights, cohorts, quotas, limits) at run time:
  // what they hold stays; later passes admit by the new figures. Not
  // stored: the operator's --queues file is the source (SIGHUP rereads it).
  // INVALID_ARGUMENT (nothing changes) for a configuration the core refuses.
  absl::Status SetQueues(std::vector<core::QueueConfig> queues);
  // Replaces the accelerator catalogue (SIGHUP rereads --catalogue): nodes
  // and jobs already admitted stay; later registrations, submissions and
  // calibration reports are judged by the new one.
  void SetCatalogue(AcceleratorCatalogue catalogue);
  // The catalogue in force; callers keep the pointer for one decision.
  std::shared_ptr<const AcceleratorCatalogue> catalogue() const;

  // --- Agents ---
  absl::StatusOr<v1::RegisterResponse> RegisterAgent(
      const v1::RegisterRequest& request, std::shared_ptr<AgentSink> sink);
  // Only acts when `sink` is still the node's current connection.
  void AgentDisconnected(const std::string& name, const AgentSink* sink);
  absl::Status Heartbeat(const std::string& name, const v1::Heartbeat& beat);
  absl::Status ReportTaskStatus(const std::string& node,
                                const v1::TaskStatus& status);
  absl::Status ReportCalibration(const std::string& name,
                                 const v1::CalibrationReport& report);
  absl::Status ReportCollective(const std::string& node,
                                const v1::CollectiveTestReport& report);
  // Rank 0's step counts become the job's measured steps/s, which corrects
  // the core's throughput estimate for its class on that kind. Telemetry:
  // kept in memory, persisted with the job's next change.
  absl::Status ReportTaskProgress(const std::string& node,
                                  const v1::TaskProgress& progress);

  // --- The loop ---
  // Liveness checks and one scheduling pass. Returns placements made.
  int Tick();
  // Blocks until something may have changed what a pass would decide, or
  // `timeout` passes.
  void WaitForWork(absl::Duration timeout);

  ControlPlaneCounters counters() const;
  // The store's sticky write error: once not OK, this process must exit
  // and recover from the store on restart.
  absl::Status store_status() const { return commits_.status(); }
  GroupCommitStats commit_stats() const { return commits_.stats(); }
  // Called (with the control plane's lock held: it must only signal) each
  // time job events are recorded; null removes it. One listener at most.
  void SetEventListener(std::function<void()> listener);
  // What happened to jobs since the last call (first placements, first
  // RUNNING, ends of tasks and jobs), oldest first; for the metrics layer.
  std::vector<JobTransition> TakeJobTransitions();
  // Live jobs, ended-job counts, nodes and counters taken under one lock,
  // for metrics and views.
  // Implemented in cluster_snapshot.cc.
  ClusterSnapshot Snapshot() const;

 private:
  ControlPlane(ControlPlaneOptions options, store::StateStore* store,
               const Clock* clock, std::unique_ptr<core::Scheduler> core);

  struct NodeRecord {
    v1::Node node;
    std::shared_ptr<AgentSink> sink;
    absl::Time last_seen;
  };

  // Runs `fn` under the lock, then, with the lock released, waits until
  // every change applied so far is durable and its messages sent. A failed
  // write turns a Status result into that error.
  template <typename Fn>
  auto Durably(Fn fn) const -> decltype(fn());
  // Applies in memory and queues the write. After a failed write it
  // changes nothing and returns that error.
  absl::Status CommitLocked(std::vector<v1::Job> jobs,
                            std::vector<v1::Node> nodes,
                            std::vector<v1::JobEvent> events);
  v1::JobEvent Event(const std::string& job_id, const std::string& type,
                     const std::string& message,
                     const std::string& task_id = "") const;
  void FillDerivedLocked(v1::Job& job) const;
  // The job as callers see it after a change (derived fields filled).
  v1::Job ViewLocked(const std::string& job_id) const;
  // A copy of a job not yet ended: NOT_FOUND or FAILED_PRECONDITION.
  absl::StatusOr<v1::Job> LiveJobLocked(const std::string& job_id) const;
  absl::Status SyncCoreNodeLocked(const v1::Node& node);
  // Acts on ReviewJob's verdict for `job` (a copy, committed here).
  absl::Status AdvanceJobLocked(v1::Job job, std::vector<v1::JobEvent> events);
  // Sends a task message once every change so far is durable.
  void DeliverLocked(const std::shared_ptr<AgentSink>& sink,
                     v1::SchedulerMessage message);
  void SendKillsLocked(const v1::Job& job, v1::TaskState final_state,
                       const std::string& reason, absl::Duration grace);
  absl::Status ApplyPlacementLocked(const core::Decision& decision);
  absl::Status PreemptLocked(const core::Decision& decision);
  void CheckLivenessLocked(absl::Time now);
  absl::Status MarkNodeTasksLostLocked(const std::string& node,
                                       const std::string& reason);
  void ReconcileAgentTasksLocked(const v1::RegisterRequest& request);
  // A task's status from its node: applied when it moves the task on,
  // ignored when stale or repeated.
  absl::Status ApplyTaskStatusLocked(const std::string& node,
                                     const v1::TaskStatus& status);
  void WakeLocked();
  absl::StatusOr<v1::CollectiveResult> RunCollectiveTest(
      const std::vector<std::string>& nodes,
      const v1::ValidateInterconnectRequest& request);
  // Queues transitions for the metrics layer and counts ended jobs.
  void RecordTransitionsLocked(std::vector<JobTransition> transitions);
  // Keeps node_tasks_ and live_jobs_ in step as `job` replaces `before`
  // (null: new).
  void IndexJobLocked(const v1::Job* before, const v1::Job& job);
  // Fills derived fields (state, allocation, tasks) of a node's record.
  v1::Node NodeViewLocked(const NodeRecord& record) const;
  uint32_t MasterPortFor(const std::string& job_id) const;
  // A rendezvous port of `node`'s range that no live job with rank 0 there
  // holds (rendezvous_ports.h).
  uint32_t RendezvousPortLocked(const std::string& node,
                                const std::string& job_id) const;
  // The job's termination_grace_s, capped by the operator's maximum.
  absl::Duration TerminationGraceLocked(const v1::Job& job) const;
  void SendAssignmentsLocked(const v1::Job& job, const std::string& only_node);
  // Jobs waiting for their dependencies (control_plane_dependencies.cc).
  DependencyCheck CheckDependenciesLocked(const v1::Job& job) const;
  // Queues or cancels held jobs whose dependencies have settled.
  void SettleDependentJobsLocked();
  // Retires finished jobs past options_.retain_finished, oldest first, a
  // bounded number per call (control_plane_retention.cc).
  void RetireFinishedLocked(absl::Time now);
  // Retry back-off (control_plane_backoff.cc): takes a failed job out of
  // the core until its back-off ends; queues those whose time has come.
  void BackOffLocked(const std::string& job_id, uint32_t attempt);
  void ReleaseBackoffsLocked(absl::Time now);
  absl::Status SettleDependentJobLocked(const std::string& id, bool* changed);
  // Adds `id` to awaiting_dependencies_ or takes it out, keeping
  // array_in_line_ in step.
  void SetAwaitingLocked(const std::string& id, bool awaiting);
  // An array element queued or running: what its array's "%N" counts.
  bool InLineLocked(const v1::Job& job) const;
  // Job arrays (control_plane_arrays.cc). The array's view summed over
  // its elements; nullopt when `array_id` has none.
  std::optional<v1::Job> ArraySummaryLocked(const std::string& array_id) const;
  // Why an element must wait for its array's "%N" ("" when it need not).
  std::string ArrayThrottleLocked(const v1::Job& job) const;
  absl::StatusOr<v1::Job> CancelArrayLocked(const std::string& array_id,
                                            const std::string& reason);

  const ControlPlaneOptions options_;
  store::StateStore* const store_;
  const Clock* const clock_;
  mutable GroupCommit commits_;

  // Apart from mu_: submissions and registrations validate against it
  // before they take mu_.
  mutable std::mutex catalogue_mu_;
  std::shared_ptr<const AcceleratorCatalogue> catalogue_;
  mutable std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable events_cv_;
  std::function<void()> event_listener_;
  bool work_pending_ = true;
  std::unique_ptr<core::Scheduler> core_;
  // The queues as configured now (SetQueues), for snapshots.
  std::vector<core::QueueConfig> queue_configs_;
  JobMap jobs_;
  std::map<std::string, std::vector<v1::JobEvent>> events_;
  std::map<std::string, NodeRecord> nodes_;
  // node -> task id -> job id, for the tasks of live jobs that hold
  // devices there: what a node's view, loss or reconciliation looks at,
  // without walking every job ever stored.
  std::map<std::string, std::map<std::string, std::string>> node_tasks_;
  // Ids of the jobs not yet ended.
  std::set<std::string, JobIdOrder> live_jobs_;
  // Ended jobs by end time, oldest first: the retention queue.
  std::set<std::pair<int64_t, std::string>> ended_by_time_;
  // Summaries of retired jobs, for usage and dependencies.
  JobMap retired_;
  // PENDING jobs by owner, for max_pending_per_owner.
  std::map<std::string, int64_t> pending_by_owner_;
  // Keeps pending_by_owner_ and ended_by_time_ in step as `job` replaces
  // `before` (null: new or recovered).
  void CountJobLocked(const v1::Job* before, const v1::Job& job);
  std::set<std::string> kills_sent_;
  // PENDING jobs kept out of the core until their dependencies succeed
  // (or their array's "%N" lets them in), settled in id order.
  std::set<std::string, JobIdOrder> awaiting_dependencies_;
  // Array id -> its elements InLineLocked, kept by IndexJobLocked and
  // SetAwaitingLocked, so a "%N" costs nothing to check.
  std::map<std::string, uint32_t> array_in_line_;
  // Jobs waiting out a retry back-off: PENDING in the store, out of the
  // core until the time (control_plane_backoff.cc).
  std::map<std::string, absl::Time> backoff_;
  struct ProgressSample {
    uint64_t steps = 0;
    int64_t time_ms = 0;
  };
  std::map<std::string, ProgressSample> last_progress_;  // by task id
  // Transitions not yet taken; at most kMaxTransitions (oldest dropped).
  std::deque<JobTransition> transitions_;
  // Ended jobs by queue and final state, kept as jobs end.
  std::map<std::pair<std::string, v1::JobState>, int64_t> ended_jobs_;
  std::map<std::string, CollectiveTestPlan> collective_tests_;
  std::condition_variable collective_cv_;
  uint64_t next_collective_seq_ = 1;
  uint64_t next_job_seq_ = 1;
  ControlPlaneCounters counters_;
};

template <typename T>
struct IsStatusResult : std::false_type {};
template <>
struct IsStatusResult<absl::Status> : std::true_type {};
template <typename T>
struct IsStatusResult<absl::StatusOr<T>> : std::true_type {};

template <typename Fn>
auto ControlPlane::Durably(Fn fn) const -> decltype(fn()) {
  using Result = decltype(fn());
  uint64_t seq = 0;
  if constexpr (std::is_void_v<Result>) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      fn();
      seq = commits_.last_appended();
    }
    (void)commits_.AwaitDurable(seq);  // store_status() reports a failure
  } else {
    std::optional<Result> result;
    {
      std::lock_guard<std::mutex> lock(mu_);
      result.emplace(fn());
      seq = commits_.last_appended();
    }
    absl::Status durable = commits_.AwaitDurable(seq);
    if constexpr (IsStatusResult<Result>::value) {
      if (!durable.ok()) return durable;
    }
    return std::move(*result);
  }
}

}  // namespace hetsched::control
