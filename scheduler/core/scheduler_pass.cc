// Scheduler: one scheduling pass. Jobs are taken in policy order (DRF
// between queues when fair), admitted through quotas, and placed; a job
// that does not fit may preempt, blocks everything after it (strict fifo),
// or gets a reservation that later jobs must not delay (backfill).
//
// Cost: each pending job costs O(1) once another job of the same shape
// failed in this pass (the shape cache); a placement attempt costs
// O(kinds x (log nodes + replicas)) through the free-capacity index.
#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "scheduler/core/placement_filters.h"
#include "scheduler/core/scheduler.h"

namespace hetsched::core {
namespace {

int MinAccelerators(const JobRequest& job) {
  int total = 0;
  for (const auto& g : job.groups) {
    int r =
        g.min_replicas > 0 ? std::min(g.min_replicas, g.replicas) : g.replicas;
    total += r * g.accelerators_per_replica;
  }
  return total;
}

std::set<std::string> KindsOf(const JobRequest& job, const Cluster& cluster) {
  std::set<std::string> kinds;
  for (const auto& g : job.groups) {
    for (auto& k : CandidateKinds(g, cluster)) kinds.insert(std::move(k));
  }
  return kinds;
}

}  // namespace

std::map<std::string, int> Scheduler::CapacityByKind() const {
  std::map<std::string, int> capacity;
  const FreeIndex& index = cluster_.free_index();
  for (int p = 0; p < index.partition_count(); ++p) {
    const auto& hist = index.partition(p).cap_hist;
    for (size_t c = 0; c < hist.size(); ++c) {
      capacity[index.partition(p).kind] += static_cast<int>(c) * hist[c];
    }
  }
  return capacity;
}

PlacementContext Scheduler::ContextFor(const Entry& e, bool* has_quota) const {
  PlacementContext ctx;
  ctx.now = now_;
  ctx.throughput = &model_;
  *has_quota = queues_.HasQuota(e.job.queue);
  if (*has_quota) {
    const JobRequest* job = &e.job;
    ctx.kind_allowed = [this, job](const std::string& kind) {
      return queues_.Check(job->queue, kind, job->TotalAccelerators(),
                           job->preemptible) != QueueBook::Admit::kNo;
    };
  }
  if (e.target_total > 0) {
    // The optimizer's kinds only (the quota still applies).
    auto quota = std::move(ctx.kind_allowed);
    const Entry* entry = &e;
    ctx.kind_allowed = [quota, entry](const std::string& kind) {
      auto it = entry->target.find(kind);
      return it != entry->target.end() && it->second > 0 &&
             (!quota || quota(kind));
    };
  }
  return ctx;
}

std::vector<Decision> Scheduler::Schedule(absl::Time now) {
  now_ = now;
  ++stats_.passes;
  Pass pass;
  pass.now = now;
  pass.shape_fail.resize(shapes_.size());
  if (config_.fair) pass.capacity = CapacityByKind();
  std::vector<Decision> out;
  if (optimizing()) {
    if ((solve_needed_ || now >= next_solve_) && !solver_->Busy()) {
      next_solve_ = now + options_.optimizer_period;
      solve_needed_ = false;
      solver_->Submit(BuildAllocationRequest(now));
    }
    if (std::optional<AllocationOutcome> outcome = solver_->Take()) {
      ApplyAllocation(*outcome);
    }
  }

  // Jobs that preempted others go first once their victims are gone: the
  // room was made for them. Afterwards they compete like everyone else.
  for (auto it = nominated_.begin(); it != nominated_.end();) {
    Entry* e = Find(*it);
    if (e != nullptr && e->state == State::kPending && !VictimsGone(*e)) {
      ++it;
      continue;
    }
    if (e != nullptr && e->state == State::kPending) {
      TryPlace(*e, pass, out, /*use_cache=*/false);
      e->waiting_for.clear();
    }
    it = nominated_.erase(it);
  }

  struct Cursor {
    const std::string* queue;
    std::set<OrderKey>* set;
    std::set<OrderKey>::iterator it;
  };
  std::vector<Cursor> cursors;
  for (auto& [queue, set] : pending_) {
    if (!set.empty()) cursors.push_back({&queue, &set, set.begin()});
  }
  // Shares change only when something is placed: recompute them then.
  std::vector<double> shares(cursors.size(), 0);
  size_t shares_at = static_cast<size_t>(-1);
  int examined = 0;
  while (examined++ < options_.max_jobs_per_pass) {
    if (cursors.size() > 1 && shares_at != out.size()) {
      for (size_t i = 0; i < cursors.size(); ++i) {
        shares[i] = queues_.WeightedShare(*cursors[i].queue, pass.capacity);
      }
      shares_at = out.size();
    }
    // Next job: the head of the queue with the lowest weighted dominant
    // share (DRF); with one queue, simply the next in order.
    int best = -1;
    for (size_t i = 0; i < cursors.size(); ++i) {
      if (cursors[i].it == cursors[i].set->end()) continue;
      if (best < 0 || shares[i] < shares[best]) best = static_cast<int>(i);
    }
    if (best < 0) break;
    Entry& e = *cursors[best].it->entry;
    ++cursors[best].it;  // before a placement erases the current element
    if (!e.waiting_for.empty()) continue;  // its room is being made
    Try t = TryPlace(e, pass, out, /*use_cache=*/true);
    if (t != Try::kWait) continue;
    if (config_.preempt && TryPreempt(e, pass, out, /*rotation=*/false)) {
      continue;
    }
    if (config_.strict) break;
    if (config_.backfill) Reserve(e, pass);
  }
  // Reservations only order this pass; rotation decides on the real state.
  LiftReservations(pass);
  if (config_.las && now >= next_round_) {
    next_round_ = now + options_.round;
    if (optimizing()) Migrate(pass, out);
    Rotate(pass, out);
  }
  return out;
}

Scheduler::Try Scheduler::Fail(Entry& e, Pass& pass,
                               const PlacementOutcome& outcome,
                               absl::Duration runtime, bool lifted,
                               bool cache) {
  Try result = outcome.kind == PlacementOutcome::Kind::kInfeasible
                   ? Try::kInfeasible
                   : Try::kWait;
  std::string reason = result == Try::kInfeasible
                           ? absl::StrCat("infeasible: ", outcome.reason)
                           : outcome.reason;
  SetReason(e, std::move(reason));
  if (cache) {
    auto& fail = pass.shape_fail[e.shape];
    if (!fail) fail = Pass::Fail{result, e.reason};
    if (result == Try::kInfeasible) {
      fail->result = result;
      fail->reason = e.reason;
      fail->lift_min_runtime = absl::ZeroDuration();
    } else if (lifted) {
      fail->lift_min_runtime = std::min(fail->lift_min_runtime, runtime);
    }
  }
  return result;
}

Scheduler::Try Scheduler::TryPlace(Entry& e, Pass& pass,
                                   std::vector<Decision>& out, bool use_cache) {
  const absl::Duration runtime = e.job.max_runtime > absl::ZeroDuration()
                                     ? e.job.max_runtime
                                     : absl::InfiniteDuration();
  // Room held for an earlier blocked job may be used only by a job sure to
  // end before that room is needed (the Slurm backfill rule).
  const bool may_lift =
      !pass.reservations.empty() && pass.now + runtime <= pass.t_min;
  // Most jobs of a long queue stop here: one of their shape failed before.
  if (use_cache && !e.has_quota && e.target_total <= 0 &&
      static_cast<size_t>(e.shape) < pass.shape_fail.size()) {
    const auto& fail = pass.shape_fail[e.shape];
    if (fail && (!may_lift || runtime >= fail->lift_min_runtime)) {
      e.reason = fail->reason;
      return fail->result;
    }
  }
  bool has_quota = false;
  PlacementContext ctx = ContextFor(e, &has_quota);
  if (has_quota) {
    bool any = false;
    for (const auto& kind : KindsOf(e.job, cluster_)) {
      any = any || ctx.kind_allowed(kind);
    }
    if (!any) {
      SetReason(e, absl::StrCat("waiting for quota of queue ", e.job.queue));
      return Try::kQuota;
    }
  }
  // Jobs restricted to their allocation's kinds do not share fates.
  const bool cache = use_cache && !has_quota && e.target_total <= 0;
  if (static_cast<size_t>(e.shape) >= pass.shape_fail.size()) {
    pass.shape_fail.resize(e.shape + 1);
  }

  PlacementOutcome outcome;
  bool lifted = false;
  int free = cluster_.TotalAccelerators() - cluster_.AllocatedAccelerators();
  if (free >= MinAccelerators(e.job) || may_lift) {
    outcome = policy_->Place(e.job, cluster_, ctx);
    if (outcome.kind == PlacementOutcome::Kind::kWait && may_lift) {
      LiftReservations(pass);
      lifted = true;
      outcome = policy_->Place(e.job, cluster_, ctx);
    }
  } else if (auto reason = InfeasibleReason(e.job, cluster_)) {
    outcome.kind = PlacementOutcome::Kind::kInfeasible;
    outcome.reason = *reason;
  } else {
    outcome.kind = PlacementOutcome::Kind::kWait;
    outcome.reason = absl::StrCat("waiting for ", MinAccelerators(e.job),
                                  " free accelerators (", std::max(free, 0),
                                  " free in the cluster)");
  }
  if (outcome.kind == PlacementOutcome::Kind::kPlaced &&
      cluster_.Allocate(e.job.id, outcome.placement).ok()) {
    if (lifted) BlockReservations(pass);
    Commit(e, outcome.placement, pass.now);
    ++stats_.placements;
    if (!pass.reservations.empty()) ++stats_.backfilled;
    out.push_back({Decision::Type::kPlace, e.job.id,
                   std::move(outcome.placement), "", absl::ZeroDuration(), ""});
    return Try::kPlaced;
  }
  if (lifted) BlockReservations(pass);
  if (outcome.kind == PlacementOutcome::Kind::kPlaced) {
    outcome.kind = PlacementOutcome::Kind::kWait;
    outcome.reason = "placement conflicted with the cluster; retrying";
  }
  return Fail(e, pass, outcome, runtime, may_lift, cache);
}

void Scheduler::Reserve(Entry& e, Pass& pass) {
  if (static_cast<int>(pass.reservations.size()) >= options_.max_reservations) {
    return;
  }
  const std::set<std::string> kinds = KindsOf(e.job, cluster_);
  PlacementContext ctx;
  ctx.now = pass.now;
  ctx.throughput = &model_;
  // Release running jobs in the order they must end until the job fits;
  // the last one released gives the latest time it can start.
  constexpr size_t kMaxShadow = 4096;
  std::vector<std::pair<std::string, Placement>> released;
  absl::Time until = pass.now;
  std::optional<Placement> reserved;
  for (const auto& [key, running] : running_by_end_) {
    const Entry& r = *running;
    const std::string& id = r.job.id;
    const absl::Time end = std::get<0>(key);
    bool overlaps = false;
    for (const auto& [kind, n] : r.usage) overlaps |= kinds.count(kind) > 0;
    if (!overlaps) continue;
    released.emplace_back(id, *cluster_.PlacementOf(id));
    cluster_.Release(id);
    until = std::max(until, end);
    PlacementOutcome o = policy_->Place(e.job, cluster_, ctx);
    if (o.kind == PlacementOutcome::Kind::kPlaced) {
      reserved = std::move(o.placement);
      break;
    }
    if (o.kind == PlacementOutcome::Kind::kInfeasible ||
        released.size() >= kMaxShadow) {
      break;
    }
  }
  // Reverse iterators, not std::views::reverse: clang 14 (the fuzz and
  // sanitizer builds) cannot compile libstdc++ 12's views.
  for (auto it = released.rbegin(); it != released.rend(); ++it) {
    (void)cluster_.Allocate(it->first, it->second, CapacityCheck::kTrustHeld);
  }
  if (!reserved) return;
  ++stats_.reservations;
  pass.reservations.push_back(
      {absl::StrCat("\x01reserved:", e.job.id), until, std::move(*reserved)});
  pass.t_min = std::min(pass.t_min, until);
  LiftReservations(pass);
  BlockReservations(pass);
  SetReason(e, until == absl::InfiniteFuture()
                   ? absl::StrCat(*e.reason, "; accelerators reserved")
                   : absl::StrCat(*e.reason, "; reserved to start by ",
                                  absl::FormatTime(until)));
}

void Scheduler::LiftReservations(Pass& pass) {
  for (const auto& r : pass.reservations) cluster_.Release(r.holder);
}

void Scheduler::BlockReservations(Pass& pass) {
  for (const auto& r : pass.reservations) {
    Placement block;
    for (const auto& replica : r.devices.replicas) {
      ReplicaPlacement free{
          replica.group_index, replica.replica_index, replica.node, {}};
      for (int d : replica.devices) {
        if (cluster_.HolderOf(replica.node, d).empty()) {
          free.devices.push_back(d);
        }
      }
      if (!free.devices.empty()) block.replicas.push_back(std::move(free));
    }
    if (!block.replicas.empty()) (void)cluster_.Allocate(r.holder, block);
  }
}

}  // namespace hetsched::core
