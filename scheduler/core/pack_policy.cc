#include "scheduler/core/pack_policy.h"

#include "common/accelerator_catalogue.h"
#include "scheduler/core/gang_placer.h"

namespace hetsched::core {

double InferencePreference(const JobRequest& job, const std::string& kind) {
  if (job.kind != JobKind::kInference) return 0;
  const AcceleratorSpec* spec = AcceleratorCatalogue::BuiltIn().Find(kind);
  return spec != nullptr && spec->inference_class ? 1 : 0;
}

PlacementOutcome PackPolicy::Place(const JobRequest& job,
                                   const Cluster& cluster,
                                   const PlacementContext& context) const {
  // Kind order is the job's; only the inference preference reorders it.
  KindScorer scorer;
  if (job.kind == JobKind::kInference) {
    scorer = [&job](const GroupFit& fit) -> std::optional<KindScore> {
      return KindScore{InferencePreference(job, fit.kind), 0, 0};
    };
  }
  return PlaceGang(job, cluster, context, NodeOrder::kPack, scorer);
}

}  // namespace hetsched::core
