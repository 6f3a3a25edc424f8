#include "scheduler/core/hetero_policy.h"

#include <algorithm>
#include <cmath>

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
  auto scorer = [&](const GroupFit& fit) -> std::optional<KindScore> {
    auto est = model.Estimate(job.job_class, fit.kind, fit.accelerators);
    if (!est) return std::nullopt;
    double best = 0;
    for (const auto& kind : CandidateKinds(job.groups[fit.group], cluster)) {
      best = std::max(
          best,
          model.Estimate(job.job_class, kind, fit.accelerators).value_or(0));
    }
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
