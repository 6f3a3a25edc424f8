#include "scheduler/core/policy_config.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace hetsched::core {

absl::StatusOr<PolicyConfig> ParsePolicy(std::string_view name) {
  std::vector<std::string> parts =
      absl::StrSplit(absl::string_view(name.data(), name.size()), '+');
  PolicyConfig c;
  const std::string& base = parts[0];
  if (base == "first-fit") {
    // priority order, greedy, first-fit: the defaults above.
  } else if (base == "fifo") {
    c.order = PolicyConfig::Order::kSubmit;
    c.strict = true;
  } else if (base == "priority") {
    c.preempt = c.backfill = true;
    c.placement = "pack";
  } else if (base == "fair") {
    c.fair = c.backfill = true;
    c.placement = "pack";
  } else if (base == "hetero" || base == "cost") {
    c.fair = c.preempt = c.backfill = true;
    c.placement = base;
  } else if (base == "max-min" || base == "min-jct" || base == "min-makespan" ||
             base == "min-cost") {
    c.preempt = c.las = true;
    c.placement = "hetero";
    c.objective = base;
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "policy: unknown policy '", std::string(name),
        "' (want fifo, priority, fair, hetero, cost, first-fit, max-min, "
        "min-jct, min-makespan or min-cost, with +modifiers)"));
  }
  for (size_t i = 1; i < parts.size(); ++i) {
    const std::string& m = parts[i];
    if (m == "fair") {
      c.fair = true;
    } else if (m == "nofair") {
      c.fair = false;
    } else if (m == "preempt") {
      c.preempt = true;
    } else if (m == "nopreempt") {
      c.preempt = c.las = false;
    } else if (m == "backfill") {
      c.backfill = true;
      c.strict = false;
    } else if (m == "nobackfill") {
      c.backfill = c.strict = false;
    } else if (m == "las") {
      c.las = c.preempt = true;
    } else if (m == "first-fit" || m == "pack" || m == "hetero" ||
               m == "cost") {
      c.placement = m;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "policy: unknown modifier '", m, "' in '", std::string(name), "'"));
    }
  }
  return c;
}

}  // namespace hetsched::core
