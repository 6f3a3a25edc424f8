#include "scheduler/control/collective_test_plan.h"

#include <set>

#include "absl/strings/str_cat.h"

namespace hetsched::control {

absl::Status NormalizeInterconnectRequest(v1::ValidateInterconnectRequest& r) {
  if (r.nodes_size() < 2) {
    return absl::InvalidArgumentError("nodes: name at least two nodes");
  }
  std::set<std::string> seen;
  for (int i = 0; i < r.nodes_size(); ++i) {
    if (!seen.insert(r.nodes(i)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("nodes[", i, "]: ", r.nodes(i), " is named twice"));
    }
  }
  if (r.mode().empty()) r.set_mode("tcp");
  if (r.mode() != "tcp" && r.mode() != "nccl") {
    return absl::InvalidArgumentError("mode: must be tcp or nccl");
  }
  if (r.min_bytes() == 0) r.set_min_bytes(8);
  if (r.max_bytes() == 0) {
    r.set_max_bytes(r.mode() == "tcp" ? (64ull << 20) : (1ull << 30));
  }
  if (r.step_factor() == 0) r.set_step_factor(4);
  if (r.iterations() == 0) r.set_iterations(5);
  if (r.timeout_s() == 0) r.set_timeout_s(120);
  if (r.min_bytes() > r.max_bytes()) {
    return absl::InvalidArgumentError("min_bytes: must not exceed max_bytes");
  }
  if (r.max_bytes() > (4ull << 30)) {
    return absl::InvalidArgumentError("max_bytes: must be at most 4 GiB");
  }
  if (r.step_factor() < 2) {
    return absl::InvalidArgumentError("step_factor: must be at least 2");
  }
  if (r.iterations() > 1000) {
    return absl::InvalidArgumentError("iterations: must be at most 1000");
  }
  if (r.timeout_s() > 3600) {
    return absl::InvalidArgumentError("timeout_s: must be at most 3600");
  }
  return absl::OkStatus();
}

CollectiveTestPlan::CollectiveTestPlan(
    std::string test_id, std::vector<std::string> nodes,
    const v1::ValidateInterconnectRequest& request)
    : test_id_(std::move(test_id)),
      nodes_(std::move(nodes)),
      request_(request),
      addresses_(nodes_.size()),
      results_(nodes_.size()) {}

v1::CollectiveTestOrder CollectiveTestPlan::PrepareOrder(uint32_t rank) const {
  v1::CollectiveTestOrder o;
  o.set_test_id(test_id_);
  o.set_phase(v1::CollectiveTestOrder::PHASE_PREPARE);
  o.set_rank(rank);
  o.set_nranks(static_cast<uint32_t>(nodes_.size()));
  o.set_mode(request_.mode());
  o.set_min_bytes(request_.min_bytes());
  o.set_max_bytes(request_.max_bytes());
  o.set_step_factor(request_.step_factor());
  o.set_iterations(request_.iterations());
  o.set_timeout_s(request_.timeout_s());
  return o;
}

v1::CollectiveTestOrder CollectiveTestPlan::StartOrder(uint32_t rank) const {
  v1::CollectiveTestOrder o = PrepareOrder(rank);
  o.set_phase(v1::CollectiveTestOrder::PHASE_START);
  for (const auto& a : addresses_) o.add_peers(a);
  // NCCL's bootstrap root listens where rank 0 said it would.
  if (request_.mode() == "nccl") o.set_nccl_root(addresses_[0]);
  return o;
}

v1::CollectiveTestOrder CollectiveTestPlan::AbortOrder(uint32_t rank) const {
  v1::CollectiveTestOrder o;
  o.set_test_id(test_id_);
  o.set_phase(v1::CollectiveTestOrder::PHASE_ABORT);
  o.set_rank(rank);
  return o;
}

absl::Status CollectiveTestPlan::Apply(const std::string& node,
                                       const v1::CollectiveTestReport& report) {
  if (report.test_id() != test_id_ || report.rank() >= nodes_.size() ||
      nodes_[report.rank()] != node) {
    return absl::InvalidArgumentError(absl::StrCat(
        "collective report from ", node, " does not match test ", test_id_));
  }
  switch (report.phase()) {
    case v1::CollectiveTestReport::PHASE_PREPARED:
      if (report.listen_address().empty()) {
        return absl::InvalidArgumentError("listen_address: must be set");
      }
      addresses_[report.rank()] = report.listen_address();
      break;
    case v1::CollectiveTestReport::PHASE_DONE:
      results_[report.rank()] = report.result();
      break;
    case v1::CollectiveTestReport::PHASE_FAILED:
      if (!failure_) {
        failure_ = absl::StrCat("rank ", report.rank(), " (", node,
                                "): ", report.error());
      }
      break;
    default:
      return absl::InvalidArgumentError("phase: unknown");
  }
  return absl::OkStatus();
}

bool CollectiveTestPlan::AllPrepared() const {
  for (const auto& a : addresses_) {
    if (a.empty()) return false;
  }
  return true;
}

bool CollectiveTestPlan::AllDone() const {
  for (const auto& r : results_) {
    if (!r) return false;
  }
  return true;
}

v1::CollectiveResult CollectiveTestPlan::MergedResult() const {
  v1::CollectiveResult merged;
  if (results_.empty() || !results_[0]) return merged;
  merged = *results_[0];
  bool verified = true;
  for (const auto& r : results_) verified = verified && r && r->verified();
  merged.set_verified(verified);
  return merged;
}

}  // namespace hetsched::control
