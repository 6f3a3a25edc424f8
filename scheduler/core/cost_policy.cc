#include "scheduler/core/cost_policy.h"

#include "scheduler/core/gang_placer.h"
#include "scheduler/core/hetero_policy.h"

namespace hetsched::core {

PlacementOutcome CostPolicy::Place(const JobRequest& job,
                                   const Cluster& cluster,
                                   const PlacementContext& context) const {
  const ThroughputModel& model = ModelOf(context);
  auto scorer = [&](const GroupFit& fit) -> std::optional<KindScore> {
    auto est = model.Estimate(job.job_class, fit.kind, fit.accelerators);
    if (!est || *est * fit.min_speed <= 0) return std::nullopt;
    double rate = *est * fit.min_speed;
    double cost_per_step = fit.price_per_hour / 3600.0 / rate;
    bool meets = true;
    if (job.total_steps > 0) {
      absl::Duration run = absl::Seconds(job.total_steps / rate);
      if (job.deadline != absl::InfiniteFuture()) {
        meets = context.now + run <= job.deadline;
      } else if (job.max_runtime > absl::ZeroDuration()) {
        meets = run <= job.max_runtime;
      }
    }
    return KindScore{meets ? 1.0 : 0.0, meets ? -cost_per_step : rate, rate};
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
