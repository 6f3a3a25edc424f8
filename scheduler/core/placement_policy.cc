#include "scheduler/core/placement_policy.h"

#include "absl/strings/str_cat.h"
#include "scheduler/core/cost_policy.h"
#include "scheduler/core/first_fit_policy.h"
#include "scheduler/core/hetero_policy.h"
#include "scheduler/core/pack_policy.h"

namespace hetsched::core {

absl::StatusOr<std::unique_ptr<PlacementPolicy>> PlacementPolicy::Create(
    std::string_view name) {
  if (name == "first-fit") return std::make_unique<FirstFitPolicy>();
  if (name == "pack") return std::make_unique<PackPolicy>();
  if (name == "hetero") return std::make_unique<HeteroPolicy>();
  if (name == "cost") return std::make_unique<CostPolicy>();
  return absl::InvalidArgumentError(absl::StrCat(
      "policy: unknown placement policy '", std::string(name), "'"));
}

}  // namespace hetsched::core
