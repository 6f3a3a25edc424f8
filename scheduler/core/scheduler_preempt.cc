// Scheduler: preemption. A blocked job may take the accelerators of
// running preemptible jobs, whole gangs only:
//  - priority: victims of strictly lower priority;
//  - reclaim: a job within its queue's nominal quota takes back what other
//    queues of its cohort borrowed (any priority);
//  - rotation (+las rounds): a job with less attained service takes the
//    place of one with more that has run at least a round.
// Victim search: the single cheapest victim that suffices if there is one;
// else candidates are released cheapest first until the job fits and the
// set is pruned back to an irreducible one. Candidates are tried on the
// real cluster and restored exactly, so the check is the placement itself.
#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "scheduler/core/placement_filters.h"
#include "scheduler/core/scheduler.h"

namespace hetsched::core {
namespace {

constexpr size_t kMaxCandidates = 256;
constexpr size_t kMaxSingles = 64;

}  // namespace

bool Scheduler::VictimsGone(const Entry& e) const {
  for (const auto& id : e.waiting_for) {
    auto it = jobs_.find(id);
    if (it != jobs_.end() && it->second.state == State::kPreempting) {
      return false;
    }
  }
  return true;
}

bool Scheduler::TryPreempt(Entry& e, Pass& pass, std::vector<Decision>& out,
                           bool rotation) {
  const JobRequest& job = e.job;
  auto key = std::make_tuple(e.shape, job.priority, rotation);
  if (pass.preempt_failed.count(key) > 0 ||
      pass.preemption_searches >= options_.max_preemption_searches) {
    return false;
  }
  std::set<std::string> kinds;
  for (const auto& g : job.groups) {
    for (auto& k : CandidateKinds(g, cluster_)) kinds.insert(std::move(k));
  }
  const QueueConfig& mine = queues_.Config(job.queue);
  bool reclaim = false;
  if (!rotation && queues_.HasQuota(job.queue) && !mine.cohort.empty()) {
    for (const auto& k : kinds) {
      reclaim |= queues_.Check(job.queue, k, job.TotalAccelerators(), false) ==
                 QueueBook::Admit::kNominal;
    }
  }
  if (!rotation && !reclaim &&
      (preemptible_running_.empty() ||
       preemptible_running_.begin()->first >= job.priority)) {
    return false;
  }
  const absl::Duration min_run =
      std::max(options_.round, 2 * options_.restart_penalty);
  auto attained_now = [&](const Entry& r) {
    return r.attained +
           r.accelerators * absl::ToDoubleSeconds(pass.now - r.last_start);
  };
  std::vector<Entry*> candidates;
  for (const auto& [id, running] : preemptible_) {
    Entry& r = *running;
    if (r.state != State::kRunning) continue;
    bool overlaps = false;
    for (const auto& [kind, n] : r.usage) overlaps |= kinds.count(kind) > 0;
    if (!overlaps) continue;
    bool eligible;
    if (rotation) {
      // Optimizer: the running job is further ahead of its allocation.
      const bool behind = optimizing() && e.target_total > 0
                              ? Deficit(r, pass.now) < Deficit(e, pass.now)
                              : attained_now(r) > e.attained;
      eligible = r.job.kind == JobKind::kTraining &&
                 r.job.priority <= job.priority &&
                 pass.now - r.last_start >= min_run && behind;
    } else {
      eligible = r.job.priority < job.priority ||
                 (reclaim && r.borrowing && r.job.queue != job.queue &&
                  queues_.Config(r.job.queue).cohort == mine.cohort);
    }
    if (eligible) candidates.push_back(&r);
  }
  // Cheapest first: lowest priority, fewest accelerators, least work lost
  // (started last); rotation evicts the most attained service first.
  std::sort(candidates.begin(), candidates.end(), [&](Entry* x, Entry* y) {
    if (rotation && optimizing() && e.target_total > 0) {
      double dx = Deficit(*x, pass.now), dy = Deficit(*y, pass.now);
      if (dx != dy) return dx < dy;
      return x->job.id < y->job.id;
    }
    if (rotation) {
      double ax = attained_now(*x), ay = attained_now(*y);
      if (ax != ay) return ax > ay;
      return x->job.id < y->job.id;
    }
    if (x->job.priority != y->job.priority) {
      return x->job.priority < y->job.priority;
    }
    if (x->accelerators != y->accelerators) {
      return x->accelerators < y->accelerators;
    }
    if (x->last_start != y->last_start) return x->last_start > y->last_start;
    return x->job.id < y->job.id;
  });
  if (candidates.size() > kMaxCandidates) candidates.resize(kMaxCandidates);
  long room = cluster_.TotalAccelerators() - cluster_.AllocatedAccelerators();
  for (Entry* c : candidates) room += c->accelerators;
  if (candidates.empty() || room < job.TotalAccelerators()) {
    pass.preempt_failed.insert(key);
    return false;
  }
  ++pass.preemption_searches;  // the expensive part starts here

  bool unused_quota = false;
  PlacementContext ctx = ContextFor(e, &unused_quota);
  auto fits = [&] {
    return policy_->Place(job, cluster_, ctx).kind ==
           PlacementOutcome::Kind::kPlaced;
  };
  std::vector<std::pair<Entry*, Placement>> taken;  // released, in order
  auto take = [&](Entry* c) {
    taken.emplace_back(c, *cluster_.PlacementOf(c->job.id));
    cluster_.Release(c->job.id);
  };
  auto give_back = [&](size_t i) {
    (void)cluster_.Allocate(taken[i].first->job.id, taken[i].second,
                            CapacityCheck::kTrustHeld);
  };
  std::vector<Entry*> victims;
  for (size_t i = 0; i < candidates.size() && i < kMaxSingles; ++i) {
    take(candidates[i]);
    bool ok = fits();
    give_back(0);
    taken.clear();
    if (ok) {
      victims.push_back(candidates[i]);
      break;
    }
  }
  if (victims.empty()) {
    bool ok = false;
    for (Entry* c : candidates) {
      take(c);
      if ((ok = fits())) break;
    }
    if (ok) {
      // Prune: give back each victim, newest first, that is not needed.
      std::vector<bool> needed(taken.size(), true);
      for (size_t i = taken.size() - 1; i-- > 0;) {
        give_back(i);
        if (fits()) {
          needed[i] = false;
        } else {
          cluster_.Release(taken[i].first->job.id);
        }
      }
      for (size_t i = 0; i < taken.size(); ++i) {
        if (needed[i]) victims.push_back(taken[i].first);
      }
    }
    for (size_t i = 0; i < taken.size(); ++i) {
      if (!cluster_.Holds(taken[i].first->job.id)) give_back(i);
    }
  }
  if (victims.empty()) {
    pass.preempt_failed.insert(key);
    return false;
  }
  e.waiting_for.clear();
  for (Entry* v : victims) {
    v->state = State::kPreempting;
    e.waiting_for.push_back(v->job.id);
    ++stats_.preemptions;
    std::string why = rotation ? "time-sharing round"
                               : absl::StrCat("priority ", job.priority);
    out.push_back({Decision::Type::kPreempt, v->job.id, Placement{},
                   absl::StrCat("preempted for ", job.id, " (", why, ")"),
                   options_.preemption_grace, job.id});
  }
  nominated_.insert(job.id);
  SetReason(e, absl::StrCat("waiting for preempted jobs to stop: ",
                            absl::StrJoin(e.waiting_for, ", ")));
  return true;
}

void Scheduler::Rotate(Pass& pass, std::vector<Decision>& out) {
  // Least attained service first: the pending sets are in that order
  // within a priority. Bounded per round so rotation cannot thrash.
  constexpr int kMaxExamined = 256;
  constexpr int kMaxRotations = 32;
  int examined = 0, rotations = 0;
  for (auto& [queue, set] : pending_) {
    for (auto it = set.begin(); it != set.end() && examined < kMaxExamined &&
                                rotations < kMaxRotations;) {
      Entry& e = *it->entry;
      ++it;
      if (!e.job.preemptible || e.job.kind != JobKind::kTraining ||
          !e.waiting_for.empty()) {
        continue;
      }
      const auto& fail = pass.shape_fail[e.shape];
      if (fail && fail->result == Try::kInfeasible) continue;
      ++examined;
      if (TryPreempt(e, pass, out, /*rotation=*/true)) ++rotations;
    }
  }
}

}  // namespace hetsched::core
