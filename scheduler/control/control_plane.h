// The scheduler's state and its rules: jobs, tasks and nodes as API
// records, kept in step with the pure core (placement) and the store
// (durability). Every change is written to the store before it is applied
// in memory or acknowledged, so a crash loses nothing acknowledged.
// gRPC services are thin wrappers over this class.
//
// Thread-safe: one mutex guards everything; AgentSink::Send is called with
// it held and must only enqueue.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/accelerator_catalogue.h"
#include "common/clock.h"
#include "hetsched/v1/agent.pb.h"
#include "hetsched/v1/scheduler.pb.h"
#include "scheduler/control/calibration_assessment.h"
#include "scheduler/control/collective_test_plan.h"
#include "scheduler/control/job_dependencies.h"
#include "scheduler/core/scheduler.h"
#include "scheduler/store/state_store.h"

namespace hetsched::control {

// Where the control plane sends messages for one connected agent.
class AgentSink {
 public:
  virtual ~AgentSink() = default;
  virtual void Send(const v1::SchedulerMessage& message) = 0;
};

struct ControlPlaneOptions {
  // Policy, queues, rounds: the core's options (default policy "hetero").
  core::SchedulerOptions scheduling;
  core::ThroughputTable throughputs;  // job_class -> kind -> N -> steps/s
  absl::Duration heartbeat_interval = absl::Seconds(2);
  // A node whose agent is silent this long is LOST, and so are its tasks.
  absl::Duration node_lost_timeout = absl::Seconds(20);
  absl::Duration kill_grace = absl::Seconds(10);
  uint32_t master_port_base = 29500;
  uint32_t master_port_range = 1000;
  AcceleratorCatalogue catalogue = AcceleratorCatalogue::BuiltIn();
  CalibrationThresholds calibration;
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

  // --- Users ---
  absl::StatusOr<std::string> SubmitJob(v1::JobSpec spec);
  absl::StatusOr<v1::Job> GetJob(const std::string& job_id) const;
  std::vector<v1::Job> ListJobs(const v1::ListJobsRequest& request) const;
  // Accelerator-hours and cost over a window (usage_report.h).
  absl::StatusOr<v1::GetUsageResponse> GetUsage(
      const v1::GetUsageRequest& request) const;
  absl::StatusOr<v1::Job> CancelJob(const std::string& job_id,
                                    const std::string& reason);
  // Events of `job_id` from index `*cursor` on; waits up to `timeout` when
  // there are none yet. `*done` once the job has ended and all its events
  // were returned.
  absl::StatusOr<std::vector<v1::JobEvent>> WaitForEvents(
      const std::string& job_id, size_t* cursor, absl::Duration timeout,
      bool* done);
  absl::StatusOr<TaskLogLocation> LocateTaskLog(const std::string& job_id,
                                                uint32_t rank) const;

  // --- Operators ---
  std::vector<v1::Node> ListNodes() const;
  absl::StatusOr<v1::Node> GetNode(const std::string& name) const;
  absl::StatusOr<v1::Node> SetDrained(const std::string& name, bool drained,
                                      const std::string& reason);
  // Asks the node's agent to calibrate now; FAILED_PRECONDITION when the
  // agent is not connected.
  absl::StatusOr<v1::Node> RequestCalibration(const std::string& name,
                                              uint32_t time_budget_s);
  // Runs a collective test over the named nodes' agents (and, with
  // `pairs`, over every pair) and waits for the result, at most the
  // request's timeout per run. Implemented in control_plane_collective.cc.
  absl::StatusOr<v1::ValidateInterconnectResponse> ValidateInterconnect(
      v1::ValidateInterconnectRequest request);

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
  // Jobs, nodes and counters taken under one lock, for metrics and views.
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

  // Writes then applies. On a store error nothing in memory changes.
  absl::Status CommitLocked(std::vector<v1::Job> jobs,
                            std::vector<v1::Node> nodes,
                            std::vector<v1::JobEvent> events);
  v1::JobEvent Event(const std::string& job_id, const std::string& type,
                     const std::string& message,
                     const std::string& task_id = "") const;
  void FillDerivedLocked(v1::Job& job) const;
  absl::Status SyncCoreNodeLocked(const v1::Node& node);
  // Acts on ReviewJob's verdict for `job` (a copy, committed here).
  absl::Status AdvanceJobLocked(v1::Job job, std::vector<v1::JobEvent> events);
  void SendKillsLocked(const v1::Job& job, v1::TaskState final_state,
                       const std::string& reason, absl::Duration grace);
  absl::Status ApplyPlacementLocked(const core::Decision& decision);
  absl::Status PreemptLocked(const core::Decision& decision);
  void CheckLivenessLocked(absl::Time now);
  absl::Status MarkNodeTasksLostLocked(const std::string& node,
                                       const std::string& reason);
  void ReconcileAgentTasksLocked(const v1::RegisterRequest& request);
  void WakeLocked();
  absl::StatusOr<v1::CollectiveResult> RunCollectiveTest(
      const std::vector<std::string>& nodes,
      const v1::ValidateInterconnectRequest& request);
  // Fills derived fields (state, allocation, tasks) of a node's record.
  v1::Node NodeViewLocked(const NodeRecord& record) const;
  uint32_t MasterPortFor(const std::string& job_id) const;
  void SendAssignmentsLocked(const v1::Job& job, const std::string& only_node);
  // Jobs waiting for their dependencies (control_plane_dependencies.cc).
  DependencyCheck CheckDependenciesLocked(const v1::JobSpec& spec) const;
  // Queues or cancels held jobs whose dependencies have settled.
  void SettleHeldJobsLocked();
  absl::Status SettleHeldJobLocked(const std::string& id, bool* changed);

  const ControlPlaneOptions options_;
  store::StateStore* const store_;
  const Clock* const clock_;

  mutable std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable events_cv_;
  bool work_pending_ = true;
  std::unique_ptr<core::Scheduler> core_;
  std::map<std::string, v1::Job> jobs_;
  std::map<std::string, std::vector<v1::JobEvent>> events_;
  std::map<std::string, NodeRecord> nodes_;
  std::set<std::string> kills_sent_;
  // PENDING jobs kept out of the core until their dependencies succeed.
  std::set<std::string> held_;
  struct ProgressSample {
    uint64_t steps = 0;
    int64_t time_ms = 0;
  };
  std::map<std::string, ProgressSample> last_progress_;  // by task id
  std::map<std::string, CollectiveTestPlan> collective_tests_;
  std::condition_variable collective_cv_;
  uint64_t next_collective_seq_ = 1;
  uint64_t next_job_seq_ = 1;
  ControlPlaneCounters counters_;
};

}  // namespace hetsched::control
