// ControlPlane: operator-requested measurements — calibration on demand and
// collective tests across agents (the rendezvous for TCP and NCCL tests).
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "scheduler/control/control_plane.h"

namespace hetsched::control {

absl::StatusOr<v1::Node> ControlPlane::RequestCalibration(
    const std::string& name, uint32_t time_budget_s) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = nodes_.find(name);
  if (it == nodes_.end()) {
    return absl::NotFoundError(absl::StrCat("name: no node ", name));
  }
  if (!it->second.sink) {
    return absl::FailedPreconditionError(
        absl::StrCat("node ", name, ": agent not connected"));
  }
  v1::SchedulerMessage msg;
  msg.mutable_calibrate()->set_reason("requested by operator");
  msg.mutable_calibrate()->set_time_budget_s(time_budget_s);
  it->second.sink->Send(msg);
  return NodeViewLocked(it->second);
}

absl::StatusOr<v1::ValidateInterconnectResponse>
ControlPlane::ValidateInterconnect(v1::ValidateInterconnectRequest request) {
  RETURN_IF_ERROR(NormalizeInterconnectRequest(request));
  v1::ValidateInterconnectResponse response;
  response.set_mode(request.mode());
  *response.mutable_nodes() = request.nodes();
  std::vector<std::string> all(request.nodes().begin(), request.nodes().end());
  ASSIGN_OR_RETURN(*response.mutable_result(), RunCollectiveTest(all, request));
  if (request.pairs() && all.size() > 2) {
    for (size_t a = 0; a < all.size(); ++a) {
      for (size_t b = a + 1; b < all.size(); ++b) {
        v1::PairResult* pair = response.add_pairs();
        pair->set_node_a(all[a]);
        pair->set_node_b(all[b]);
        ASSIGN_OR_RETURN(*pair->mutable_result(),
                         RunCollectiveTest({all[a], all[b]}, request));
      }
    }
  }
  return response;
}

absl::StatusOr<v1::CollectiveResult> ControlPlane::RunCollectiveTest(
    const std::vector<std::string>& nodes,
    const v1::ValidateInterconnectRequest& request) {
  std::unique_lock<std::mutex> lock(mu_);
  for (size_t i = 0; i < nodes.size(); ++i) {
    auto it = nodes_.find(nodes[i]);
    if (it == nodes_.end()) {
      return absl::NotFoundError(
          absl::StrCat("nodes[", i, "]: no node ", nodes[i]));
    }
    if (!it->second.sink) {
      return absl::FailedPreconditionError(absl::StrCat(
          "nodes[", i, "]: agent of ", nodes[i], " is not connected"));
    }
  }
  const std::string id = absl::StrCat("ct-", next_collective_seq_++);
  auto [entry, inserted] =
      collective_tests_.try_emplace(id, id, nodes, request);
  CollectiveTestPlan& plan = entry->second;
  auto send = [&](auto make_order) {
    for (uint32_t r = 0; r < nodes.size(); ++r) {
      auto& sink = nodes_[nodes[r]].sink;
      if (!sink) continue;
      v1::SchedulerMessage msg;
      *msg.mutable_collective() = make_order(r);
      sink->Send(msg);
    }
  };
  // The timeout is real time: agents run real sockets and processes.
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::seconds(request.timeout_s());
  auto finish = [&](absl::Status status) -> absl::Status {
    if (!status.ok()) {
      send([&](uint32_t r) { return plan.AbortOrder(r); });
    }
    collective_tests_.erase(id);
    return status;
  };
  send([&](uint32_t r) { return plan.PrepareOrder(r); });
  collective_cv_.wait_until(lock, deadline, [&] {
    return plan.AllPrepared() || plan.failure().has_value();
  });
  if (plan.failure()) return finish(absl::AbortedError(*plan.failure()));
  if (!plan.AllPrepared()) {
    return finish(absl::DeadlineExceededError(
        absl::StrCat("collective test ", id, ": not every agent got ready in ",
                     request.timeout_s(), "s")));
  }
  send([&](uint32_t r) { return plan.StartOrder(r); });
  collective_cv_.wait_until(lock, deadline, [&] {
    return plan.AllDone() || plan.failure().has_value();
  });
  if (plan.failure()) return finish(absl::AbortedError(*plan.failure()));
  if (!plan.AllDone()) {
    return finish(absl::DeadlineExceededError(
        absl::StrCat("collective test ", id, ": no result within ",
                     request.timeout_s(), "s")));
  }
  v1::CollectiveResult result = plan.MergedResult();
  (void)finish(absl::OkStatus());
  return result;
}

absl::Status ControlPlane::ReportCollective(
    const std::string& node, const v1::CollectiveTestReport& report) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = collective_tests_.find(report.test_id());
  if (it == collective_tests_.end()) {
    return absl::NotFoundError(
        absl::StrCat("collective test ", report.test_id(), " is not running"));
  }
  RETURN_IF_ERROR(it->second.Apply(node, report));
  collective_cv_.notify_all();
  return absl::OkStatus();
}

}  // namespace hetsched::control
