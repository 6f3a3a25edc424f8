#include "scheduler/core/hetero_policy.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "absl/strings/str_cat.h"
#include "scheduler/core/gang_placer.h"
#include "scheduler/core/pack_policy.h"
#include "scheduler/core/placement_filters.h"

namespace hetsched::core {

const ThroughputModel& ModelOf(const PlacementContext& context) {
  static const ThroughputModel* empty = new ThroughputModel();
  return context.throughput != nullptr ? *context.throughput : *empty;
}

std::optional<std::string> ThroughputInfeasible(const JobRequest& job,
                                                const Cluster& cluster,
                                                const ThroughputModel& model) {
  for (const auto& group : job.groups) {
    if (group.accelerators_per_replica <= 0) continue;  // no rate to know
    int lo = group.min_replicas > 0 ? group.min_replicas : group.replicas;
    bool any = false;
    for (const auto& kind : CandidateKinds(group, cluster)) {
      for (int r = std::min(lo, group.replicas); r <= group.replicas && !any;
           ++r) {
        any = model
                  .Estimate(job.job_class, kind,
                            r * group.accelerators_per_replica)
                  .has_value();
      }
      if (any) break;
    }
    if (!any) {
      return absl::StrCat("the throughput table has no rate for class '",
                          job.job_class, "' at ",
                          group.replicas * group.accelerators_per_replica,
                          " accelerators on any accepted kind");
    }
  }
  return std::nullopt;
}

PlacementOutcome HeteroPolicy::Place(const JobRequest& job,
                                     const Cluster& cluster,
                                     const PlacementContext& context) const {
  const ThroughputModel& model = ModelOf(context);
  // The job's best rate per (group, size), computed once per Place.
  std::map<std::pair<int, int>, double> best_of;
  auto best_rate = [&](int group, int n) {
    auto [it, inserted] = best_of.emplace(std::make_pair(group, n), 0);
    if (inserted) {
      for (const auto& kind : CandidateKinds(job.groups[group], cluster)) {
        it->second = std::max(
            it->second, model.Estimate(job.job_class, kind, n).value_or(0));
      }
    }
    return it->second;
  };
  auto scorer = [&](const GroupFit& fit) -> std::optional<KindScore> {
    auto est = model.Estimate(job.job_class, fit.kind, fit.accelerators);
    if (!est) return std::nullopt;
    double best = best_rate(fit.group, fit.accelerators);
    double rate = *est * fit.min_speed;
    double r = best > 0 ? rate / best : 0;
    double advantage = r / model.Reference(fit.kind);
    return KindScore{InferencePreference(job, fit.kind),
                     r * std::sqrt(advantage), rate};
  };
  PlacementOutcome out =
      PlaceGang(job, cluster, context, NodeOrder::kPack, scorer);
  if (out.kind == PlacementOutcome::Kind::kWait) {
    if (auto reason = ThroughputInfeasible(job, cluster, model)) {
      out.kind = PlacementOutcome::Kind::kInfeasible;
      out.reason = *reason;
    }
  }
  return out;
}

}  // namespace hetsched::core
