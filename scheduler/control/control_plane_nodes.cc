// ControlPlane: agents, nodes, liveness and task reports.
#include <set>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/text_checks.h"
#include "scheduler/control/control_plane.h"
#include "scheduler/control/convert.h"
#include "scheduler/control/job_lifecycle.h"
#include "scheduler/control/node_validation.h"

namespace hetsched::control {

inline constexpr size_t kMaxDrainReasonBytes = 256;
// An agent's own account of why its node takes no work (unhealthy_reason).
inline constexpr size_t kMaxUnhealthyReasonBytes = 256;

void ControlPlane::RenewLeases() {
  std::lock_guard<std::mutex> lock(mu_);
  const absl::Time now = clock_->Now();
  for (auto& [name, record] : nodes_) {
    if (!record.sink) record.last_seen = now;
  }
}

absl::StatusOr<v1::Node> ControlPlane::GetNode(const std::string& name) const {
  return Durably([&]() -> absl::StatusOr<v1::Node> {
    auto it = nodes_.find(name);
    if (it == nodes_.end()) {
      return absl::NotFoundError(absl::StrCat("name: no node ", name));
    }
    return NodeViewLocked(it->second);
  });
}

absl::StatusOr<v1::Node> ControlPlane::SetDrained(const std::string& name,
                                                  bool drained,
                                                  const std::string& reason) {
  RETURN_IF_ERROR(CheckText("reason", reason, kMaxDrainReasonBytes));
  return Durably([&]() -> absl::StatusOr<v1::Node> {
    auto it = nodes_.find(name);
    if (it == nodes_.end()) {
      return absl::NotFoundError(absl::StrCat("name: no node ", name));
    }
    v1::Node node = it->second.node;
    node.set_drained(drained);
    node.set_state_reason(
        drained ? (reason.empty() ? "drained by operator" : reason) : "");
    RETURN_IF_ERROR(CommitLocked({}, {node}, {}));
    RETURN_IF_ERROR(SyncCoreNodeLocked(node));
    WakeLocked();
    return NodeViewLocked(nodes_[name]);
  });
}

absl::Status ControlPlane::DeleteNode(const std::string& name) {
  return Durably([&]() -> absl::Status {
    auto it = nodes_.find(name);
    if (it == nodes_.end()) {
      return absl::NotFoundError(absl::StrCat("name: no node ", name));
    }
    if (it->second.sink) {
      return absl::FailedPreconditionError(absl::StrCat(
          "node ", name,
          " is connected; stop its agent first (drain it to let its work "
          "finish)"));
    }
    if (auto tasks = node_tasks_.find(name);
        tasks != node_tasks_.end() && !tasks->second.empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("node ", name, " still has ", tasks->second.size(),
                       " task(s) of running jobs; wait until they are "
                       "LOST or ended"));
    }
    RETURN_IF_ERROR(commits_.status());
    store::WriteBatch batch;
    batch.deleted_nodes.push_back(name);
    commits_.Append(std::move(batch));
    nodes_.erase(it);
    (void)core_->cluster().RemoveNode(name);
    WakeLocked();
    return absl::OkStatus();
  });
}

absl::StatusOr<v1::RegisterResponse> ControlPlane::RegisterAgent(
    const v1::RegisterRequest& request, std::shared_ptr<AgentSink> sink) {
  RETURN_IF_ERROR(ValidateNodeInfo(request.node(), *catalogue()));
  RETURN_IF_ERROR(CheckText("unhealthy_reason", request.unhealthy_reason(),
                            kMaxUnhealthyReasonBytes));
  return Durably([&]() -> absl::StatusOr<v1::RegisterResponse> {
    const std::string& name = request.node().name();
    v1::Node node;
    auto it = nodes_.find(name);
    if (it != nodes_.end()) node = it->second.node;
    *node.mutable_info() = request.node();
    node.set_connected(true);
    node.set_unhealthy_reason(request.unhealthy_reason());
    if (node.state() == v1::NODE_STATE_LOST) node.set_state_reason("");
    node.set_state(v1::NODE_STATE_READY);
    node.set_last_heartbeat_ms(absl::ToUnixMillis(clock_->Now()));
    RETURN_IF_ERROR(CommitLocked({}, {node}, {}));
    NodeRecord& record = nodes_[name];
    record.sink = std::move(sink);
    record.last_seen = clock_->Now();
    RETURN_IF_ERROR(SyncCoreNodeLocked(record.node));
    ReconcileAgentTasksLocked(request);
    WakeLocked();
    v1::RegisterResponse response;
    response.set_accepted(true);
    response.set_heartbeat_interval_ms(static_cast<uint32_t>(
        absl::ToInt64Milliseconds(options_.heartbeat_interval)));
    response.set_node_lease_ms(static_cast<uint32_t>(
        absl::ToInt64Milliseconds(options_.node_lost_timeout)));
    return response;
  });
}

void ControlPlane::AgentDisconnected(const std::string& name,
                                     const AgentSink* sink) {
  return Durably([&]() -> void {
    auto it = nodes_.find(name);
    if (it == nodes_.end() || it->second.sink.get() != sink) return;
    it->second.sink.reset();
    it->second.last_seen = clock_->Now();
    v1::Node node = it->second.node;
    node.set_connected(false);
    node.set_state_reason("agent disconnected");
    if (CommitLocked({}, {node}, {}).ok()) (void)SyncCoreNodeLocked(node);
  });
}

absl::Status ControlPlane::Heartbeat(const std::string& name,
                                     const v1::Heartbeat& beat) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = nodes_.find(name);
  if (it == nodes_.end()) {
    return absl::FailedPreconditionError("heartbeat before registration");
  }
  it->second.last_seen = clock_->Now();
  it->second.node.set_last_heartbeat_ms(absl::ToUnixMillis(clock_->Now()));
  if (beat.unhealthy_reason() != it->second.node.unhealthy_reason()) {
    // Rare (a disk filling or freed): queued like any node change; the
    // next heartbeat repeats it, so no wait for durability here.
    RETURN_IF_ERROR(CheckText("unhealthy_reason", beat.unhealthy_reason(),
                              kMaxUnhealthyReasonBytes));
    v1::Node node = it->second.node;
    node.set_unhealthy_reason(beat.unhealthy_reason());
    RETURN_IF_ERROR(CommitLocked({}, {node}, {}));
    RETURN_IF_ERROR(SyncCoreNodeLocked(node));
    WakeLocked();
  }
  if (it->second.sink) {
    v1::SchedulerMessage ack;
    ack.mutable_heartbeat_ack()->set_sent_ms(beat.sent_ms());
    it->second.sink->Send(ack);
  }
  return absl::OkStatus();
}

absl::Status ControlPlane::ReportTaskStatus(const std::string& node,
                                            const v1::TaskStatus& status) {
  return Durably([&] { return ApplyTaskStatusLocked(node, status); });
}

absl::Status ControlPlane::ApplyTaskStatusLocked(const std::string& node,
                                                 const v1::TaskStatus& status) {
  {
    auto it = jobs_.find(status.job_id());
    if (it == jobs_.end()) {
      return absl::NotFoundError(
          absl::StrCat("job_id: no job ", status.job_id()));
    }
    v1::Job job = it->second;
    v1::Task* task = FindTask(job, status.task_id());
    if (task == nullptr || task->node() != node) {
      return absl::FailedPreconditionError(absl::StrCat(
          "task ", status.task_id(), " is not assigned to ", node));
    }
    if (!core::CanTransition(ToCoreTaskState(task->state()),
                             ToCoreTaskState(status.state()))) {
      return absl::OkStatus();  // stale or repeated report
    }
    task->set_state(status.state());
    task->set_message(status.message());
    const int64_t now_ms = absl::ToUnixMillis(clock_->Now());
    if (status.state() == v1::TASK_STATE_RUNNING) {
      task->set_start_time_ms(now_ms);
      if (job.start_time_ms() == 0) job.set_start_time_ms(now_ms);
    }
    std::string message = status.message();
    if (IsTerminal(status.state())) {
      task->set_exit_code(status.exit_code());
      task->set_end_time_ms(now_ms);
      message = absl::StrCat(
          "exit code ", status.exit_code(),
          status.signal() ? absl::StrCat(" signal ", status.signal()) : "",
          status.message().empty() ? "" : ": ", status.message());
      if (status.state() == v1::TASK_STATE_FAILED) ++counters_.task_failures;
    }
    v1::JobEvent event =
        Event(job.id(), absl::StrCat("TASK_", TaskStateName(status.state())),
              absl::StrCat("rank ", task->rank(), " on ", node,
                           message.empty() ? "" : ": ", message),
              task->id());
    return AdvanceJobLocked(std::move(job), {event});
  }
}

absl::Status ControlPlane::ReportCalibration(
    const std::string& name, const v1::CalibrationReport& report) {
  return Durably([&]() -> absl::Status {
    auto it = nodes_.find(name);
    if (it == nodes_.end()) {
      return absl::FailedPreconditionError("calibration before registration");
    }
    v1::Node node = it->second.node;
    const std::string kind = node.info().accelerators().empty()
                                 ? ""
                                 : node.info().accelerators(0).kind();
    const auto catalogue_now = catalogue();
    ASSIGN_OR_RETURN(
        CalibrationAssessment assessment,
        AssessCalibration(report.document_json(), catalogue_now->Find(kind),
                          options_.calibration));
    node.set_previous_calibration_json(node.calibration_json());
    node.set_calibration_json(report.document_json());
    node.set_calibrated_at_ms(report.measured_at_ms());
    if (assessment.measured) {
      node.set_degraded(assessment.degraded);
      node.set_speed_factor(assessment.speed_factor);
      if (assessment.degraded) {
        node.set_state_reason(assessment.reason);
      } else if (!node.drained()) {
        node.set_state_reason("");
      }
    }
    RETURN_IF_ERROR(CommitLocked({}, {node}, {}));
    RETURN_IF_ERROR(SyncCoreNodeLocked(node));
    WakeLocked();
    return absl::OkStatus();
  });
}

absl::Status ControlPlane::ReportTaskProgress(
    const std::string& node, const v1::TaskProgress& progress) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = jobs_.find(progress.job_id());
  if (it == jobs_.end()) {
    return absl::NotFoundError(
        absl::StrCat("job_id: no job ", progress.job_id()));
  }
  v1::Task* task = FindTask(it->second, progress.task_id());
  if (task == nullptr || task->node() != node ||
      task->state() != v1::TASK_STATE_RUNNING) {
    return absl::FailedPreconditionError(
        absl::StrCat("task ", progress.task_id(), " is not running on ", node));
  }
  task->set_steps(progress.steps());
  ProgressSample& last = last_progress_[task->id()];
  // A rate needs two samples at least a second apart and a count that
  // moved forward; a restarted count starts a new baseline.
  const int64_t dt_ms = progress.time_ms() - last.time_ms;
  if (last.time_ms > 0 && dt_ms >= 1000 && progress.steps() >= last.steps) {
    const double rate = 1000.0 *
                        static_cast<double>(progress.steps() - last.steps) /
                        static_cast<double>(dt_ms);
    if (task->rank() == 0) {
      it->second.set_steps_per_second(rate);
      core_->ReportStepRate(it->second.id(), rate);
    }
  }
  if (last.time_ms == 0 || dt_ms >= 1000 || progress.steps() < last.steps) {
    last = {progress.steps(), progress.time_ms()};
  }
  return absl::OkStatus();
}

void ControlPlane::CheckLivenessLocked(absl::Time now) {
  for (auto& [name, record] : nodes_) {
    if (record.node.state() == v1::NODE_STATE_LOST ||
        now - record.last_seen <= options_.node_lost_timeout) {
      continue;
    }
    v1::Node node = record.node;
    node.set_state(v1::NODE_STATE_LOST);
    node.set_connected(false);
    node.set_state_reason(absl::StrCat(
        "no heartbeat for ", absl::FormatDuration(now - record.last_seen)));
    if (!CommitLocked({}, {node}, {}).ok()) continue;
    record.sink.reset();
    ++counters_.nodes_lost;
    (void)SyncCoreNodeLocked(node);
    (void)MarkNodeTasksLostLocked(name, "node lost: " + node.state_reason());
  }
}

absl::Status ControlPlane::MarkNodeTasksLostLocked(const std::string& node,
                                                   const std::string& reason) {
  std::set<std::string> job_ids;
  auto indexed = node_tasks_.find(node);
  if (indexed != node_tasks_.end()) {
    for (const auto& [task_id, job_id] : indexed->second)
      job_ids.insert(job_id);
  }
  for (const auto& id : job_ids) {
    v1::Job job = jobs_[id];
    std::vector<v1::JobEvent> events;
    for (v1::Task* t : CurrentTasks(job)) {
      if (t->node() != node || !HasProcess(t->state())) continue;
      t->set_state(v1::TASK_STATE_LOST);
      t->set_message(reason);
      t->set_end_time_ms(absl::ToUnixMillis(clock_->Now()));
      events.push_back(Event(id, "TASK_LOST",
                             absl::StrCat("rank ", t->rank(), ": ", reason),
                             t->id()));
    }
    RETURN_IF_ERROR(AdvanceJobLocked(std::move(job), std::move(events)));
  }
  return absl::OkStatus();
}

void ControlPlane::ReconcileAgentTasksLocked(
    const v1::RegisterRequest& request) {
  const std::string& name = request.node().name();
  std::set<std::string> reported;
  for (const auto& t : request.running_tasks()) reported.insert(t.task_id());
  std::set<std::string> known;
  std::vector<std::string> resend;
  std::vector<std::string> lost_jobs;
  std::set<std::string> live_jobs;
  auto indexed = node_tasks_.find(name);
  if (indexed != node_tasks_.end()) {
    for (const auto& [task_id, job_id] : indexed->second) {
      live_jobs.insert(job_id);
    }
  }
  for (const auto& id : live_jobs) {
    const v1::Job& job = jobs_[id];
    bool resent = false;
    bool lost = false;
    for (const v1::Task* t : CurrentTasks(job)) {
      if (t->node() != name || !HasProcess(t->state())) continue;
      known.insert(t->id());
      if (reported.count(t->id()) > 0) continue;
      if (t->state() == v1::TASK_STATE_PLACED) {
        if (!resent) resend.push_back(id);  // never reached the agent
        resent = true;
      } else if (!lost) {
        lost_jobs.push_back(id);
        lost = true;
      }
    }
  }
  for (const auto& id : resend) SendAssignmentsLocked(jobs_[id], name);
  for (const auto& id : lost_jobs) {
    v1::Job job = jobs_[id];
    std::vector<v1::JobEvent> events;
    for (v1::Task* t : CurrentTasks(job)) {
      if (t->node() != name || reported.count(t->id()) > 0 ||
          (t->state() != v1::TASK_STATE_STARTING &&
           t->state() != v1::TASK_STATE_RUNNING)) {
        continue;
      }
      t->set_state(v1::TASK_STATE_LOST);
      t->set_message("the agent came back without this task");
      events.push_back(
          Event(id, "TASK_LOST",
                absl::StrCat("rank ", t->rank(), ": ", t->message()), t->id()));
    }
    (void)AdvanceJobLocked(std::move(job), std::move(events));
  }
  // A start the agent reported to a scheduler that never stored it (one
  // that crashed, or a leader that lost office) is taken from the list:
  // the agent does not send it again.
  for (const auto& t : request.running_tasks()) {
    if (known.count(t.task_id()) == 0 || IsTerminal(t.state())) continue;
    auto on_node = node_tasks_.find(name);
    if (on_node == node_tasks_.end()) break;
    auto job_id = on_node->second.find(t.task_id());
    if (job_id == on_node->second.end()) continue;
    v1::TaskStatus status = t;
    status.set_job_id(job_id->second);
    (void)ApplyTaskStatusLocked(name, status);
  }
  // Tasks the agent runs that we do not expect are orphans: stop them.
  for (const auto& t : request.running_tasks()) {
    if (known.count(t.task_id()) > 0 || IsTerminal(t.state())) continue;
    v1::SchedulerMessage msg;
    msg.mutable_kill()->set_task_id(t.task_id());
    msg.mutable_kill()->set_final_state(v1::TASK_STATE_CANCELLED);
    msg.mutable_kill()->set_reason("unknown to the scheduler");
    DeliverLocked(nodes_[name].sink, std::move(msg));
  }
}

absl::Status ControlPlane::SyncCoreNodeLocked(const v1::Node& node) {
  return core_->cluster().UpsertNode(ToCoreNode(node));
}

void ControlPlane::IndexJobLocked(const v1::Job* before, const v1::Job& job) {
  auto live = [](const v1::Job& j) {
    std::vector<const v1::Task*> out;
    if (IsTerminal(j.state())) return out;
    for (const v1::Task* t : CurrentTasks(j)) {
      if (!t->node().empty() && HasProcess(t->state())) out.push_back(t);
    }
    return out;
  };
  if (before != nullptr) {
    for (const v1::Task* t : live(*before)) {
      auto it = node_tasks_.find(t->node());
      if (it == node_tasks_.end()) continue;
      it->second.erase(t->id());
      if (it->second.empty()) node_tasks_.erase(it);
    }
  }
  for (const v1::Task* t : live(job))
    node_tasks_[t->node()][t->id()] = job.id();
  if (IsTerminal(job.state())) {
    live_jobs_.erase(job.id());
  } else {
    live_jobs_.insert(job.id());
  }
  if (before != nullptr && InLineLocked(*before)) {
    if (--array_in_line_[before->array_job_id()] == 0) {
      array_in_line_.erase(before->array_job_id());
    }
  }
  if (InLineLocked(job)) ++array_in_line_[job.array_job_id()];
}

v1::Node ControlPlane::NodeViewLocked(const NodeRecord& record) const {
  v1::Node node = record.node;
  const std::string& name = node.info().name();
  if (node.state() != v1::NODE_STATE_LOST) {
    // Only a connected agent's word counts; it repeats it on registering.
    const bool unhealthy = node.connected() && !node.unhealthy_reason().empty();
    auto tasks = node_tasks_.find(name);
    const bool busy = tasks != node_tasks_.end() && !tasks->second.empty();
    node.set_state(node.drained()    ? (busy ? v1::NODE_STATE_DRAINING
                                             : v1::NODE_STATE_DRAINED)
                   : unhealthy       ? v1::NODE_STATE_UNHEALTHY
                   : node.degraded() ? v1::NODE_STATE_DEGRADED
                                     : v1::NODE_STATE_READY);
    if (node.state() == v1::NODE_STATE_UNHEALTHY) {
      node.set_state_reason(node.unhealthy_reason());
    }
  }
  node.set_accelerators_allocated(
      static_cast<uint32_t>(node.info().accelerators_size() -
                            core_->cluster().FreeAccelerators(name)));
  auto indexed = node_tasks_.find(name);
  if (indexed != node_tasks_.end()) {
    for (const auto& [task_id, job_id] : indexed->second) {
      node.add_task_ids(task_id);
    }
  }
  return node;
}

}  // namespace hetsched::control
