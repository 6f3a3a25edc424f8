// Scheduler: the public API and the bookkeeping around running and pending
// jobs. The pass is in scheduler_pass.cc, preemption in
// scheduler_preempt.cc.
#include "scheduler/core/scheduler.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"

namespace hetsched::core {

absl::StatusOr<std::unique_ptr<Scheduler>> Scheduler::Create(
    const SchedulerOptions& options) {
  ASSIGN_OR_RETURN(PolicyConfig config, ParsePolicy(options.policy));
  // A round length asks for time-sharing where the policy may preempt.
  if (options.round > absl::ZeroDuration() && config.preempt) config.las = true;
  ASSIGN_OR_RETURN(auto policy, PlacementPolicy::Create(config.placement));
  auto s = std::unique_ptr<Scheduler>(
      new Scheduler(std::move(config), std::move(policy), options));
  RETURN_IF_ERROR(s->queues_.Configure(options.queues));
  return s;
}

Scheduler::Scheduler(PolicyConfig config,
                     std::unique_ptr<PlacementPolicy> policy,
                     const SchedulerOptions& options)
    : config_(std::move(config)),
      policy_(std::move(policy)),
      options_(options) {
  if (options_.round <= absl::ZeroDuration()) {
    options_.round = absl::Minutes(5);
  }
  solver_ =
      options_.allocation_solver
          ? options_.allocation_solver
          : std::make_shared<InlineAllocationSolver>(options_.cpu_seconds);
}

absl::Status Scheduler::SetQueues(const std::vector<QueueConfig>& queues) {
  RETURN_IF_ERROR(queues_.Configure(queues));
  for (auto& [id, e] : jobs_) e.has_quota = queues_.HasQuota(e.job.queue);
  return absl::OkStatus();
}

void Scheduler::SetThroughputTable(ThroughputTable table) {
  model_.SetTable(std::move(table));
  // Shapes name the class only where the table can tell classes apart.
  for (auto& [id, e] : jobs_) e.shape = ShapeOf(e.job);
}

Scheduler::Entry* Scheduler::Find(std::string_view id) {
  auto it = jobs_.find(id);
  return it == jobs_.end() ? nullptr : &it->second;
}

void Scheduler::SetReason(Entry& e, std::string reason) {
  e.reason = std::make_shared<const std::string>(std::move(reason));
}

int Scheduler::ShapeOf(const JobRequest& job) {
  const bool by_class = model_.table().count(job.job_class) > 0;
  std::string key = absl::StrCat(by_class ? job.job_class : std::string(), "|",
                                 absl::StrJoin(job.providers, ","), "|",
                                 static_cast<int>(job.same_ultraserver),
                                 job.allow_degraded ? "d" : "",
                                 job.kind == JobKind::kInference ? "i" : "t");
  for (const auto& g : job.groups) {
    absl::StrAppend(
        &key, "|", g.replicas, "x", g.accelerators_per_replica, "m",
        g.min_replicas, ":", absl::StrJoin(g.kinds, ","), "@",
        absl::StrJoin(g.node_selector, ",", absl::PairFormatter("=")));
  }
  return shapes_.emplace(key, static_cast<int>(shapes_.size())).first->second;
}

std::set<Scheduler::OrderKey>& Scheduler::PendingSet(const Entry& e) {
  return pending_[config_.fair ? e.job.queue : std::string()];
}

void Scheduler::Enqueue(Entry& e) {
  int64_t submit = absl::ToUnixNanos(e.job.submit_time);
  if (config_.order == PolicyConfig::Order::kSubmit) {
    e.key = {submit, 0, 0, &e.job.id, &e};
  } else if (optimizing() && !e.target.empty()) {
    // Furthest behind its allocation first, within a priority class.
    e.key = {-e.job.priority,
             -static_cast<int64_t>(std::min(Deficit(e, now_), 1e9) * 1e6),
             submit, &e.job.id, &e};
  } else if (config_.las) {
    // Least attained service first, within a priority class.
    e.key = {-e.job.priority, static_cast<int64_t>(e.attained * 1000), submit,
             &e.job.id, &e};
  } else {
    e.key = {-e.job.priority, submit, 0, &e.job.id, &e};
  }
  e.state = State::kPending;
  PendingSet(e).insert(e.key);
  ++pending_count_;
}

void Scheduler::Dequeue(Entry& e) {
  if (e.state != State::kPending) return;
  PendingSet(e).erase(e.key);
  --pending_count_;
}

void Scheduler::Commit(Entry& e, const Placement& placement, absl::Time now) {
  Dequeue(e);
  e.state = State::kRunning;
  e.reason.reset();
  e.last_start = now;
  e.end_bound = e.job.max_runtime > absl::ZeroDuration()
                    ? now + e.job.max_runtime
                    : absl::InfiniteFuture();
  e.usage.clear();
  e.accelerators = 0;
  e.speed = 1;
  for (const auto& r : placement.replicas) {
    const Node* node = cluster_.FindNode(r.node);
    if (node == nullptr) continue;
    e.usage[node->accelerator_kind] += static_cast<int>(r.devices.size());
    e.accelerators += static_cast<int>(r.devices.size());
    e.speed = std::min(e.speed, node->speed_factor);
  }
  e.norm_now = optimizing() && !e.usage.empty()
                   ? NormalizedRate(e, e.usage.begin()->first) * e.speed
                   : 1;
  e.borrowing = false;
  for (const auto& [kind, n] : e.usage) {
    queues_.Add(e.job.queue, kind, n);
    e.borrowing = e.borrowing || queues_.Borrowing(e.job.queue, kind);
  }
  if (e.job.preemptible) ++preemptible_running_[e.job.priority];
  running_by_end_.emplace(std::make_tuple(e.end_bound, e.last_start, e.job.id),
                          &e);
  if (e.job.preemptible) preemptible_.emplace(e.job.id, &e);
}

void Scheduler::Uncommit(Entry& e, absl::Time now) {
  if (e.state == State::kPending) return;
  if (now > e.last_start) {
    const double ran = absl::ToDoubleSeconds(now - e.last_start);
    e.attained += e.accelerators * ran;
    e.run_s += ran;
    e.norm_run_s += ran * e.norm_now;
    if (!e.usage.empty() && !e.progress_reported) {
      e.steps_done +=
          ran * e.speed *
          model_
              .Estimate(e.job.job_class, e.usage.begin()->first, e.accelerators)
              .value_or(0);
    }
  }
  for (const auto& [kind, n] : e.usage) queues_.Add(e.job.queue, kind, -n);
  e.usage.clear();
  running_by_end_.erase(std::make_tuple(e.end_bound, e.last_start, e.job.id));
  preemptible_.erase(e.job.id);
  if (e.job.preemptible && --preemptible_running_[e.job.priority] == 0) {
    preemptible_running_.erase(e.job.priority);
  }
  cluster_.Release(e.job.id);
}

absl::Status Scheduler::Submit(const JobRequest& job) {
  if (jobs_.count(job.id) > 0) {
    return absl::AlreadyExistsError(absl::StrCat("job ", job.id, " exists"));
  }
  if (job.id.empty() || job.groups.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("job ", job.id, ": needs an id and a task group"));
  }
  Entry& e = jobs_.emplace(job.id, Entry{}).first->second;
  e.job = job;
  e.shape = ShapeOf(job);
  e.has_quota = queues_.HasQuota(job.queue);
  SetReason(e, "waiting for a scheduling pass");
  Enqueue(e);
  solve_needed_ = true;
  return absl::OkStatus();
}

absl::Status Scheduler::SetPriority(std::string_view job_id, int priority) {
  Entry* e = Find(job_id);
  if (e == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("job ", std::string(job_id), " is not queued"));
  }
  if (e->state != State::kPending) {
    e->job.priority = priority;
    return absl::OkStatus();
  }
  Dequeue(*e);
  e->job.priority = priority;
  Enqueue(*e);
  solve_needed_ = true;
  return absl::OkStatus();
}

absl::Status Scheduler::Restore(const JobRequest& job,
                                const Placement& placement) {
  if (jobs_.count(job.id) > 0) {
    return absl::AlreadyExistsError(absl::StrCat("job ", job.id, " exists"));
  }
  RETURN_IF_ERROR(
      cluster_.Allocate(job.id, placement, CapacityCheck::kTrustHeld));
  Entry& e = jobs_.emplace(job.id, Entry{}).first->second;
  e.job = job;
  e.shape = ShapeOf(job);
  e.has_quota = queues_.HasQuota(job.queue);
  e.state = State::kRunning;  // not queued: Commit's Dequeue is a no-op
  Commit(e, placement, now_);
  return absl::OkStatus();
}

void Scheduler::Remove(std::string_view job_id) { Remove(job_id, now_); }

void Scheduler::Remove(std::string_view job_id, absl::Time now) {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) {
    cluster_.Release(job_id);
    return;
  }
  Entry& e = it->second;
  Dequeue(e);
  Uncommit(e, now);
  solve_needed_ = true;
  nominated_.erase(e.job.id);
  jobs_.erase(it);
}

void Scheduler::Requeue(std::string_view job_id) { Requeue(job_id, now_); }

void Scheduler::Requeue(std::string_view job_id, absl::Time now) {
  Entry* e = Find(job_id);
  if (e == nullptr || e->state == State::kPending) return;
  Uncommit(*e, now);
  Enqueue(*e);
  SetReason(*e, "requeued");
}

void Scheduler::ReportStepRate(std::string_view job_id,
                               double steps_per_second) {
  Entry* e = Find(job_id);
  if (e == nullptr || e->state == State::kPending || e->usage.empty()) return;
  model_.Observe(e->job.job_class, e->usage.begin()->first, e->accelerators,
                 e->speed, steps_per_second);
}

void Scheduler::ReportProgress(std::string_view job_id, double steps_done) {
  if (Entry* e = Find(job_id)) {
    e->steps_done = steps_done;
    e->progress_reported = true;
  }
}

std::string Scheduler::PendingReason(std::string_view job_id) const {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end() || it->second.state != State::kPending ||
      !it->second.reason) {
    return "";
  }
  return *it->second.reason;
}

bool Scheduler::IsPending(std::string_view job_id) const {
  auto it = jobs_.find(job_id);
  return it != jobs_.end() && it->second.state == State::kPending;
}

bool Scheduler::IsPreempting(std::string_view job_id) const {
  auto it = jobs_.find(job_id);
  return it != jobs_.end() && it->second.state == State::kPreempting;
}

}  // namespace hetsched::core
