// The scheduler's side of a collective test over several agents, as a pure
// state machine: who must PREPARE, when everybody has (so START can go out
// with the peer addresses), when the sweep is done, and the merged result.
// Not thread-safe: the control plane owns each plan under its lock.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "hetsched/v1/agent.pb.h"
#include "hetsched/v1/scheduler.pb.h"

namespace hetsched::control {

// Checks a request and fills its defaults; INVALID_ARGUMENT names the field.
absl::Status NormalizeInterconnectRequest(v1::ValidateInterconnectRequest& r);

class CollectiveTestPlan {
 public:
  CollectiveTestPlan(std::string test_id, std::vector<std::string> nodes,
                     const v1::ValidateInterconnectRequest& request);

  const std::string& test_id() const { return test_id_; }
  const std::vector<std::string>& nodes() const { return nodes_; }

  // The order for `rank` in the current phase.
  v1::CollectiveTestOrder PrepareOrder(uint32_t rank) const;
  v1::CollectiveTestOrder StartOrder(uint32_t rank) const;
  v1::CollectiveTestOrder AbortOrder(uint32_t rank) const;

  // Applies one agent's report; INVALID_ARGUMENT if it does not fit.
  absl::Status Apply(const std::string& node,
                     const v1::CollectiveTestReport& report);

  bool AllPrepared() const;
  bool AllDone() const;
  // Set once a rank failed.
  const std::optional<std::string>& failure() const { return failure_; }
  // Rank 0's sweep, verified only if every rank verified its sums.
  v1::CollectiveResult MergedResult() const;

 private:
  std::string test_id_;
  std::vector<std::string> nodes_;
  v1::ValidateInterconnectRequest request_;
  std::vector<std::string> addresses_;
  std::vector<std::optional<v1::CollectiveResult>> results_;
  std::optional<std::string> failure_;
};

}  // namespace hetsched::control
