// ControlPlane: jobs, the scheduling pass and persistence. Agent and node
// handling lives in control_plane_nodes.cc.
#include "scheduler/control/control_plane.h"

#include <algorithm>
#include <ranges>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "scheduler/control/convert.h"
#include "scheduler/control/job_lifecycle.h"
#include "scheduler/control/rendezvous_ports.h"
#include "scheduler/control/usage_report.h"
#include "spec/job_array.h"
#include "spec/job_ids.h"
#include "spec/job_spec_validation.h"

namespace hetsched::control {

absl::StatusOr<std::unique_ptr<ControlPlane>> ControlPlane::Create(
    ControlPlaneOptions options, store::StateStore* store, const Clock* clock) {
  ASSIGN_OR_RETURN(auto core, core::Scheduler::Create(options.scheduling));
  core->SetThroughputTable(options.throughputs);
  return std::unique_ptr<ControlPlane>(
      new ControlPlane(std::move(options), store, clock, std::move(core)));
}

ControlPlane::ControlPlane(ControlPlaneOptions options,
                           store::StateStore* store, const Clock* clock,
                           std::unique_ptr<core::Scheduler> core)
    : options_(std::move(options)),
      store_(store),
      clock_(clock),
      commits_(store),
      catalogue_(
          std::make_shared<const AcceleratorCatalogue>(options_.catalogue)),
      core_(std::move(core)),
      queue_configs_(options_.scheduling.queues) {}

void ControlPlane::SetCatalogue(AcceleratorCatalogue catalogue) {
  auto next =
      std::make_shared<const AcceleratorCatalogue>(std::move(catalogue));
  std::lock_guard<std::mutex> lock(catalogue_mu_);
  catalogue_ = std::move(next);
}

std::shared_ptr<const AcceleratorCatalogue> ControlPlane::catalogue() const {
  std::lock_guard<std::mutex> lock(catalogue_mu_);
  return catalogue_;
}

absl::Status ControlPlane::SetQueues(std::vector<core::QueueConfig> queues) {
  std::lock_guard<std::mutex> lock(mu_);
  RETURN_IF_ERROR(core_->SetQueues(queues));
  queue_configs_ = std::move(queues);
  WakeLocked();  // new quotas may admit what waited
  return absl::OkStatus();
}

absl::Status ControlPlane::Recover() {
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(auto nodes, store_->LoadNodes());
  const absl::Time now = clock_->Now();
  for (auto& node : nodes) {
    node.set_connected(false);
    const std::string name = node.info().name();
    nodes_[name] = NodeRecord{node, nullptr, now};
    RETURN_IF_ERROR(SyncCoreNodeLocked(node));
  }
  const auto count_id = [this](const std::string& id) {
    // Ids are never reused, not even those of retired jobs.
    if (auto parts = spec::ParseJobId(id); parts.has_value()) {
      next_job_seq_ = std::max(next_job_seq_, parts->seq + 1);
    }
  };
  ASSIGN_OR_RETURN(auto retired, store_->LoadRetired());
  for (auto& summary : retired) {
    count_id(summary.id());
    retired_[summary.id()] = std::move(summary);
  }
  ASSIGN_OR_RETURN(auto jobs, store_->LoadJobs());
  ASSIGN_OR_RETURN(auto events_by_job, store_->LoadAllEvents());
  for (auto& job : jobs) {
    count_id(job.id());
    if (auto it = events_by_job.find(job.id()); it != events_by_job.end()) {
      events_[job.id()] = std::move(it->second);
    }
    const auto& events = events_[job.id()];
    const bool released = std::any_of(
        events.begin(), events.end(),
        [](const v1::JobEvent& e) { return e.type() == "DEPENDENCIES_MET"; });
    if (job.state() == v1::JOB_STATE_PENDING && HasDependencies(job.spec()) &&
        !released) {
      // The first tick queues or cancels it.
      SetAwaitingLocked(job.id(), true);
    } else if (job.state() == v1::JOB_STATE_PENDING && job.held()) {
      // Out of the core until released (control_plane_holds.cc).
    } else if (!IsTerminal(job.state())) {
      core::Placement placement;
      for (const v1::Task* t : CurrentTasks(job)) {
        if (!HasProcess(t->state())) continue;
        core::ReplicaPlacement r;
        r.node = t->node();
        r.replica_index = static_cast<int>(t->rank());
        r.devices.assign(t->device_indices().begin(),
                         t->device_indices().end());
        // Only CPU-only replicas run without devices; they hold a core.
        if (r.devices.empty()) r.cpus = core::kCpusPerCpuReplica;
        for (const auto& group : job.spec().task_groups()) {
          if (group.name() == t->task_group()) {
            r.memory_bytes = group.memory_bytes();
          }
        }
        placement.replicas.push_back(std::move(r));
      }
      RETURN_IF_ERROR(placement.replicas.empty()
                          ? core_->Submit(ToJobRequest(job))
                          : core_->Restore(ToJobRequest(job), placement));
    }
    IndexJobLocked(nullptr, job);
    CountJobLocked(nullptr, job);
    if (IsTerminal(job.state())) ++ended_jobs_[{QueueOf(job), job.state()}];
    jobs_[job.id()] = std::move(job);
  }
  WakeLocked();
  return absl::OkStatus();
}

absl::StatusOr<std::string> ControlPlane::SubmitJob(v1::JobSpec spec) {
  spec::ApplyJobSpecDefaults(spec);
  RETURN_IF_ERROR(spec::ValidateJobSpec(spec, *catalogue()));
  // A plain job is one record; an array, one per index (validated above).
  std::vector<std::optional<uint32_t>> elements = {std::nullopt};
  if (!spec.array().empty()) {
    ASSIGN_OR_RETURN(spec::JobArray array, spec::ParseJobArray(spec.array()));
    elements.assign(array.indices.begin(), array.indices.end());
  }
  const uint32_t max_running = spec::ArrayMaxRunning(spec.array());
  return Durably([&]() -> absl::StatusOr<std::string> {
    if (options_.max_pending_per_owner > 0) {
      auto pending = pending_by_owner_.find(spec.owner());
      const int64_t already =
          pending == pending_by_owner_.end() ? 0 : pending->second;
      if (already + static_cast<int64_t>(elements.size()) >
          options_.max_pending_per_owner) {
        return absl::ResourceExhaustedError(absl::StrCat(
            "owner: ", spec.owner(), " already has ", already, " pending jobs",
            elements.size() > 1
                ? absl::StrCat(" and this array adds ", elements.size())
                : "",
            ", past the most one owner may queue "
            "(--max-pending-per-owner); wait for some to start, or cancel "
            "some"));
      }
    }
    const std::string id = absl::StrFormat("j-%06d", next_job_seq_);
    std::vector<v1::Job> jobs;
    std::vector<v1::JobEvent> events;
    std::vector<std::string> queued;
    std::vector<std::string> awaiting;
    const auto undo = [&] {
      for (const std::string& q : queued) core_->Remove(q);
    };
    for (const std::optional<uint32_t>& element : elements) {
      v1::Job job;
      job.set_id(element ? spec::ArrayElementId(id, *element) : id);
      *job.mutable_spec() = spec;
      if (element) {
        job.set_array_job_id(id);
        job.set_array_task_id(*element);
      }
      job.set_state(v1::JOB_STATE_PENDING);
      job.set_submit_time_ms(absl::ToUnixMillis(clock_->Now()));
      AddAttemptTasks(job);
      const DependencyCheck deps = CheckDependenciesLocked(job);
      if (deps.state == DependencyState::kBroken) {
        undo();
        return absl::InvalidArgumentError(absl::StrCat(
            deps.field, ": ", deps.reason, ", so ",
            element ? absl::StrCat("element ", *element) : "this job",
            " could never start"));
      }
      // The array's first "%N" elements go in line; the rest wait.
      std::string why_waiting = deps.reason;
      if (deps.state == DependencyState::kMet && max_running > 0 &&
          queued.size() >= max_running) {
        why_waiting = absl::StrCat("array throttle: at most ", max_running,
                                   " at once (%", max_running, ")");
      }
      if (why_waiting.empty()) {
        if (absl::Status s = core_->Submit(ToJobRequest(job)); !s.ok()) {
          undo();
          return s;
        }
        queued.push_back(job.id());
      } else {
        awaiting.push_back(job.id());
      }
      events.push_back(
          Event(job.id(), "SUBMITTED",
                absl::StrCat("by ", job.spec().owner(),
                             why_waiting.empty() ? "" : "; ", why_waiting)));
      jobs.push_back(std::move(job));
    }
    if (absl::Status s = CommitLocked(std::move(jobs), {}, std::move(events));
        !s.ok()) {
      undo();
      return s;
    }
    for (const std::string& a : awaiting) SetAwaitingLocked(a, true);
    ++next_job_seq_;
    WakeLocked();
    return id;
  });
}

absl::StatusOr<v1::GetUsageResponse> ControlPlane::GetUsage(
    const v1::GetUsageRequest& request) const {
  return Durably([&]() -> absl::StatusOr<v1::GetUsageResponse> {
    std::map<std::string, double> price_by_node;
    for (const auto& [name, record] : nodes_) {
      price_by_node[name] = record.node.info().price_per_accel_hour();
    }
    return ComputeUsage(jobs_, price_by_node, request,
                        absl::ToUnixMillis(clock_->Now()), retired_);
  });
}

absl::StatusOr<v1::Job> ControlPlane::GetJob(const std::string& job_id) const {
  return Durably([&]() -> absl::StatusOr<v1::Job> {
    auto it = jobs_.find(job_id);
    if (it == jobs_.end()) {
      if (auto array = ArraySummaryLocked(job_id); array.has_value()) {
        return *std::move(array);
      }
      if (retired_.count(job_id) != 0) {
        return absl::NotFoundError(
            absl::StrCat("job_id: ", job_id,
                         " ended more than --retain-finished ago and "
                         "was retired; `hetsched usage` still counts it"));
      }
      return absl::NotFoundError(absl::StrCat("job_id: no job ", job_id));
    }
    v1::Job job = it->second;
    FillDerivedLocked(job);
    auto ev = events_.find(job_id);
    if (ev != events_.end()) {
      for (const auto& e : ev->second) *job.add_events() = e;
    }
    return job;
  });
}

absl::StatusOr<v1::Job> ControlPlane::CancelJob(const std::string& job_id,
                                                const std::string& reason) {
  return Durably([&]() -> absl::StatusOr<v1::Job> {
    if (jobs_.count(job_id) == 0 && ArraySummaryLocked(job_id).has_value()) {
      return CancelArrayLocked(job_id, reason);
    }
    ASSIGN_OR_RETURN(v1::Job job, LiveJobLocked(job_id));
    job.set_cancel_requested(true);
    job.set_message(reason.empty() ? "cancelled by user" : reason);
    RETURN_IF_ERROR(AdvanceJobLocked(
        job, {Event(job_id, "CANCEL_REQUESTED", job.message())}));
    return ViewLocked(job_id);
  });
}

absl::StatusOr<std::vector<v1::JobEvent>> ControlPlane::WaitForEvents(
    const std::string& job_id, size_t* cursor, absl::Duration timeout,
    bool* done) {
  std::unique_lock<std::mutex> lock(mu_);
  auto ready = [&] {
    auto it = events_.find(job_id);
    return (it != events_.end() && it->second.size() > *cursor) ||
           IsTerminal(jobs_[job_id].state());
  };
  if (jobs_.count(job_id) == 0) {
    if (ArraySummaryLocked(job_id).has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "job_id: ", job_id, " is a job array; watch one of its elements (",
          job_id, "_N) or list them with `hetsched jobs`"));
    }
    return absl::NotFoundError(absl::StrCat("job_id: no job ", job_id));
  }
  events_cv_.wait_for(lock, absl::ToChronoMilliseconds(timeout), ready);
  std::vector<v1::JobEvent> out;
  const auto& all = events_[job_id];
  for (size_t i = *cursor; i < all.size(); ++i) out.push_back(all[i]);
  *cursor = all.size();
  *done = IsTerminal(jobs_[job_id].state());
  const uint64_t seen = commits_.last_appended();
  lock.unlock();
  RETURN_IF_ERROR(commits_.AwaitDurable(seen));  // show only what is on disk
  return out;
}

absl::StatusOr<TaskLogLocation> ControlPlane::LocateTaskLog(
    const std::string& job_id, uint32_t rank,
    std::optional<uint32_t> attempt) const {
  return Durably([&]() -> absl::StatusOr<TaskLogLocation> {
    auto it = jobs_.find(job_id);
    if (it == jobs_.end()) {
      return absl::NotFoundError(absl::StrCat("job_id: no job ", job_id));
    }
    // The newest attempt of that rank that reached a node.
    const v1::Task* found = nullptr;
    bool rank_exists = false;
    for (const auto& t : it->second.tasks()) {
      if (t.rank() != rank) continue;
      rank_exists = true;
      if (attempt.has_value() && t.attempt() != *attempt) continue;
      if (!t.node().empty() &&
          (found == nullptr || t.attempt() >= found->attempt())) {
        found = &t;
      }
    }
    if (!rank_exists) {
      return absl::InvalidArgumentError(
          absl::StrCat("rank: job ", job_id, " has no rank ", rank));
    }
    if (found == nullptr && attempt.has_value()) {
      return absl::NotFoundError(
          absl::StrCat("attempt: rank ", rank, " of job ", job_id,
                       " never started in attempt ", *attempt));
    }
    if (found == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(
          "rank ", rank, " of job ", job_id, " has not started yet"));
    }
    auto node = nodes_.find(found->node());
    if (node == nodes_.end() ||
        node->second.node.info().agent_address().empty()) {
      return absl::UnavailableError(
          absl::StrCat("node ", found->node(), " serves no logs"));
    }
    return TaskLogLocation{found->id(),
                           node->second.node.info().agent_address(),
                           IsTerminal(found->state())};
  });
}

int ControlPlane::Tick() {
  return Durably([&]() -> int {
    work_pending_ = false;
    const absl::Time now = clock_->Now();
    CheckLivenessLocked(now);
    SettleDependentJobsLocked();
    ReleaseBackoffsLocked(now);
    RetireFinishedLocked(now);
    ++counters_.passes;
    int placed = 0;
    for (const core::Decision& d : core_->Schedule(now)) {
      absl::Status s = d.type == core::Decision::Type::kPlace
                           ? ApplyPlacementLocked(d)
                           : PreemptLocked(d);
      if (s.ok() && d.type == core::Decision::Type::kPlace) ++placed;
    }
    const core::SchedulerStats& stats = core_->stats();
    counters_.allocation_solves = stats.solves;
    counters_.allocation_solver_failures = stats.solver_fallbacks;
    counters_.allocation_solver_cpu_s = stats.solver_cpu_s;
    return placed;
  });
}

void ControlPlane::WaitForWork(absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  work_cv_.wait_for(lock, absl::ToChronoMilliseconds(timeout),
                    [this] { return work_pending_; });
}

ControlPlaneCounters ControlPlane::counters() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counters_;
}

absl::Status ControlPlane::ApplyPlacementLocked(const core::Decision& d) {
  auto it = jobs_.find(d.job_id);
  if (it == jobs_.end()) {
    core_->Remove(d.job_id);
    return absl::NotFoundError(d.job_id);
  }
  v1::Job job = it->second;
  auto tasks = CurrentTasks(job);
  // Ranks are numbered over groups in order; a replica's rank is the
  // group's first rank plus its index.
  std::vector<uint32_t> first_rank;
  uint32_t next_rank = 0;
  for (const auto& g : job.spec().task_groups()) {
    first_rank.push_back(next_rank);
    next_rank += g.replicas();
  }
  for (const auto& r : d.placement.replicas) {
    v1::Task* t = tasks[first_rank[r.group_index] + r.replica_index];
    t->set_node(r.node);
    t->clear_device_indices();
    for (int dev : r.devices) t->add_device_indices(dev);
    const core::Node* node = core_->cluster().FindNode(r.node);
    // A CPU-only replica holds no accelerator, whatever its host carries.
    t->set_accelerator_kind(node && !r.devices.empty() ? node->accelerator_kind
                                                       : "");
    t->set_state(v1::TASK_STATE_PLACED);
  }
  for (v1::Task* t : tasks) {
    if (t->rank() == 0) {
      t->set_master_port(RendezvousPortLocked(t->node(), job.id()));
    }
  }
  job.set_state(v1::JOB_STATE_RUNNING);
  std::vector<std::string> where;
  where.reserve(tasks.size());
  for (const v1::Task* t : tasks) {
    where.push_back(absl::StrCat("rank ", t->rank(), "->", t->node(), "[",
                                 absl::StrJoin(t->device_indices(), ","), "]"));
  }
  absl::Status s = CommitLocked(
      {job}, {}, {Event(job.id(), "PLACED", absl::StrJoin(where, " "))});
  if (!s.ok()) {
    core_->Requeue(job.id());
    return s;
  }
  ++counters_.placements;
  SendAssignmentsLocked(jobs_[d.job_id], "");
  return absl::OkStatus();
}

void ControlPlane::SendAssignmentsLocked(const v1::Job& job,
                                         const std::string& only_node) {
  auto tasks = CurrentTasks(job);
  if (tasks.empty()) return;
  auto rank0 = nodes_.find(tasks.front()->node());
  const std::string master =
      rank0 == nodes_.end() ? ""
                            : HostOf(rank0->second.node.info().agent_address());
  // Jobs placed before ports were chosen per node keep their old one.
  const uint32_t port = tasks.front()->master_port() != 0
                            ? tasks.front()->master_port()
                            : MasterPortFor(job.id());
  for (const v1::Task* t : tasks) {
    if (!only_node.empty() && t->node() != only_node) continue;
    if (t->state() != v1::TASK_STATE_PLACED) continue;
    auto node = nodes_.find(t->node());
    if (node == nodes_.end() || !node->second.sink) continue;
    v1::SchedulerMessage msg;
    *msg.mutable_assign() = MakeAssignment(job, *t, master, port);
    DeliverLocked(node->second.sink, std::move(msg));
  }
}

namespace {

// Spreads jobs, and the elements of one array, over a port range.
uint64_t PortSeed(const std::string& job_id) {
  const auto parts = spec::ParseJobId(job_id);
  if (!parts.has_value()) return 0;
  constexpr uint64_t kElementStride = 7919;  // a prime: elements spread out
  return parts->seq + kElementStride * parts->element.value_or(0);
}

}  // namespace

uint32_t ControlPlane::RendezvousPortLocked(const std::string& node,
                                            const std::string& job_id) const {
  std::set<uint32_t> used;
  if (auto tasks = node_tasks_.find(node); tasks != node_tasks_.end()) {
    for (const auto& [task_id, job_id] : tasks->second) {
      auto job = jobs_.find(job_id);
      if (job == jobs_.end()) continue;
      for (const v1::Task* t : CurrentTasks(job->second)) {
        if (t->rank() == 0 && t->node() == node && t->master_port() != 0) {
          used.insert(t->master_port());
        }
      }
    }
  }
  uint32_t min = 0, max = 0;
  if (auto n = nodes_.find(node); n != nodes_.end()) {
    min = n->second.node.info().rendezvous_port_min();
    max = n->second.node.info().rendezvous_port_max();
  }
  return PickRendezvousPort(min, max, used, PortSeed(job_id));
}

uint32_t ControlPlane::MasterPortFor(const std::string& job_id) const {
  return options_.master_port_base +
         static_cast<uint32_t>(PortSeed(job_id) % options_.master_port_range);
}

absl::Duration ControlPlane::TerminationGraceLocked(const v1::Job& job) const {
  return std::min(absl::Seconds(TerminationGraceS(job.spec())),
                  options_.max_termination_grace);
}

absl::Status ControlPlane::PreemptLocked(const core::Decision& d) {
  auto it = jobs_.find(d.job_id);
  if (it == jobs_.end()) return absl::NotFoundError(d.job_id);
  ++counters_.preemptions;
  SendKillsLocked(it->second, v1::TASK_STATE_PREEMPTED, d.reason,
                  TerminationGraceLocked(it->second));
  return CommitLocked({}, {}, {Event(d.job_id, "PREEMPTING", d.reason)});
}

void ControlPlane::SendKillsLocked(const v1::Job& job,
                                   v1::TaskState final_state,
                                   const std::string& reason,
                                   absl::Duration grace) {
  for (const v1::Task* t : CurrentTasks(job)) {
    if (!HasProcess(t->state()) || !kills_sent_.insert(t->id()).second) {
      continue;
    }
    auto node = nodes_.find(t->node());
    if (node == nodes_.end() || !node->second.sink) continue;
    v1::SchedulerMessage msg;
    msg.mutable_kill()->set_task_id(t->id());
    msg.mutable_kill()->set_grace_period_s(
        static_cast<uint32_t>(absl::ToInt64Seconds(grace)));
    msg.mutable_kill()->set_final_state(final_state);
    msg.mutable_kill()->set_reason(reason);
    DeliverLocked(node->second.sink, std::move(msg));
  }
}

absl::Status ControlPlane::AdvanceJobLocked(v1::Job job,
                                            std::vector<v1::JobEvent> events) {
  const JobReview review = ReviewJob(job);
  const int64_t now_ms = absl::ToUnixMillis(clock_->Now());
  bool leaves_core = false;
  bool requeue = false;
  std::string restarted_node;  // kRestartReplica: where to send the task
  switch (review.verdict) {
    case JobVerdict::kWait:
      break;
    case JobVerdict::kKillLive: {
      // A job not yet placed has nothing to kill: PLACED tasks exist only
      // once the core committed devices.
      SendKillsLocked(job, review.final_state, review.reason,
                      TerminationGraceLocked(job));
      break;
    }
    case JobVerdict::kSucceeded:
    case JobVerdict::kFailed:
    case JobVerdict::kCancelled: {
      job.set_state(
          review.verdict == JobVerdict::kSucceeded ? v1::JOB_STATE_SUCCEEDED
          : review.verdict == JobVerdict::kFailed  ? v1::JOB_STATE_FAILED
                                                   : v1::JOB_STATE_CANCELLED);
      job.set_end_time_ms(now_ms);
      if (review.verdict == JobVerdict::kFailed) {
        job.set_message(review.reason);
        job.set_exit_code(review.exit_code);
      }
      for (v1::Task* t : CurrentTasks(job)) {
        if (t->state() == v1::TASK_STATE_PENDING) {
          t->set_state(v1::TASK_STATE_CANCELLED);
          t->set_end_time_ms(now_ms);
        }
      }
      events.push_back(Event(job.id(), JobStateName(job.state()),
                             review.verdict == JobVerdict::kSucceeded
                                 ? "every replica exited 0"
                                 : review.reason));
      leaves_core = true;
      break;
    }
    case JobVerdict::kRestartReplica: {
      v1::Task* fresh = RestartReplica(job, review.task_id);
      if (fresh != nullptr) {
        restarted_node = fresh->node();
        events.push_back(Event(
            job.id(), "REPLICA_RESTARTED",
            absl::StrCat(review.reason, "; restart ", job.replica_restarts(),
                         " of ", job.spec().inference().max_restarts()),
            fresh->id()));
      }
      break;
    }
    case JobVerdict::kRetry:
    case JobVerdict::kRequeue: {
      job.set_attempt(job.attempt() + 1);
      job.set_state(v1::JOB_STATE_PENDING);
      AddAttemptTasks(job);
      events.push_back(Event(
          job.id(), review.verdict == JobVerdict::kRetry ? "RETRY" : "REQUEUED",
          absl::StrCat(review.reason, "; attempt ", job.attempt())));
      requeue = true;
      break;
    }
  }
  const std::string id = job.id();
  RETURN_IF_ERROR(CommitLocked({std::move(job)}, {}, std::move(events)));
  if (!restarted_node.empty()) {
    SendAssignmentsLocked(jobs_[id], restarted_node);
  }
  if (leaves_core) {
    core_->Remove(id);
    SetAwaitingLocked(id, false);
    backoff_.erase(id);
  }
  if (requeue) {
    ++counters_.requeues;
    if (jobs_[id].held()) {
      core_->Remove(id);  // requeue --hold: out of line until released
    } else if (review.verdict == JobVerdict::kRetry) {
      BackOffLocked(id, jobs_[id].attempt());
    } else {
      core_->Requeue(id);  // a preempted job is not at fault: no back-off
    }
  }
  if (leaves_core || requeue) {
    // The old attempt's tasks are over: drop their bookkeeping so it stays
    // bounded by the live tasks.
    for (const auto& t : jobs_[id].tasks()) {
      if (IsTerminal(t.state())) {
        kills_sent_.erase(t.id());
        last_progress_.erase(t.id());
      }
    }
    WakeLocked();
  }
  return absl::OkStatus();
}

absl::Status ControlPlane::CommitLocked(std::vector<v1::Job> jobs,
                                        std::vector<v1::Node> nodes,
                                        std::vector<v1::JobEvent> events) {
  RETURN_IF_ERROR(commits_.status());
  store::WriteBatch batch{std::move(jobs), std::move(nodes), std::move(events)};
  const absl::Time now = clock_->Now();
  for (const auto& job : batch.jobs) {
    auto it = jobs_.find(job.id());
    const v1::Job* before = it == jobs_.end() ? nullptr : &it->second;
    IndexJobLocked(before, job);
    CountJobLocked(before, job);
    RecordTransitionsLocked(DiffJob(before, job, now));
    jobs_[job.id()] = job;
  }
  for (const auto& node : batch.nodes) nodes_[node.info().name()].node = node;
  for (const auto& e : batch.events) events_[e.job_id()].push_back(e);
  if (!batch.events.empty()) {
    events_cv_.notify_all();
    if (event_listener_) event_listener_();
  }
  commits_.Append(std::move(batch));
  return absl::OkStatus();
}

void ControlPlane::CountJobLocked(const v1::Job* before, const v1::Job& job) {
  if (before != nullptr && before->state() == v1::JOB_STATE_PENDING) {
    auto it = pending_by_owner_.find(before->spec().owner());
    if (it != pending_by_owner_.end() && --it->second <= 0) {
      pending_by_owner_.erase(it);
    }
  }
  if (job.state() == v1::JOB_STATE_PENDING) {
    ++pending_by_owner_[job.spec().owner()];
  }
  if (IsTerminal(job.state())) {
    ended_by_time_.emplace(job.end_time_ms(), job.id());
  }
}

void ControlPlane::RecordTransitionsLocked(
    std::vector<JobTransition> transitions) {
  constexpr size_t kMaxTransitions = 1'000'000;
  for (auto& t : transitions) {
    if (t.type == JobTransition::Type::kFinished) {
      ++ended_jobs_[{t.queue, t.job_state}];
    }
    transitions_.push_back(std::move(t));
  }
  while (transitions_.size() > kMaxTransitions) transitions_.pop_front();
}

void ControlPlane::SetEventListener(std::function<void()> listener) {
  std::lock_guard<std::mutex> lock(mu_);
  event_listener_ = std::move(listener);
}

std::vector<JobTransition> ControlPlane::TakeJobTransitions() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<JobTransition> out(std::make_move_iterator(transitions_.begin()),
                                 std::make_move_iterator(transitions_.end()));
  transitions_.clear();
  return out;
}

void ControlPlane::DeliverLocked(const std::shared_ptr<AgentSink>& sink,
                                 v1::SchedulerMessage message) {
  commits_.Deliver(sink, std::move(message));
}

v1::JobEvent ControlPlane::Event(const std::string& job_id,
                                 const std::string& type,
                                 const std::string& message,
                                 const std::string& task_id) const {
  v1::JobEvent e;
  e.set_time_ms(absl::ToUnixMillis(clock_->Now()));
  e.set_job_id(job_id);
  e.set_type(type);
  e.set_message(message);
  e.set_task_id(task_id);
  return e;
}

void ControlPlane::FillDerivedLocked(v1::Job& job) const {
  job.set_replicas_running(static_cast<uint32_t>(std::count_if(
      job.tasks().begin(), job.tasks().end(),
      [](const v1::Task& t) { return t.state() == v1::TASK_STATE_RUNNING; })));
  if (job.state() != v1::JOB_STATE_PENDING) return;
  if (job.held()) {
    job.set_pending_reason(absl::StrCat(
        "held by ", job.held_by().empty() ? "-" : job.held_by(),
        job.hold_reason().empty() ? "" : absl::StrCat(": ", job.hold_reason()),
        "; `hetsched release ", job.id(), "` queues it again"));
  } else if (awaiting_dependencies_.count(job.id()) > 0) {
    const DependencyCheck deps = CheckDependenciesLocked(job);
    job.set_pending_reason(deps.state == DependencyState::kWaiting
                               ? deps.reason
                               : ArrayThrottleLocked(job));
  } else if (auto b = backoff_.find(job.id()); b != backoff_.end()) {
    job.set_pending_reason(absl::StrCat(
        "retry back-off: attempt ", job.attempt(), " is queued in ",
        absl::FormatDuration(
            absl::Ceil(b->second - clock_->Now(), absl::Seconds(1)))));
  } else {
    job.set_pending_reason(core_->PendingReason(job.id()));
  }
}

void ControlPlane::WakeLocked() {
  work_pending_ = true;
  work_cv_.notify_all();
}

}  // namespace hetsched::control
