#include "scheduler/server/agent_service.h"

#include <deque>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/peer_identity.h"
#include "scheduler/server/audit_log.h"
#include "scheduler/server/grpc_status.h"

namespace hetsched::server {
namespace {

using Reactor = grpc::ServerBidiReactor<v1::AgentMessage, v1::SchedulerMessage>;

// One agent's stream: reads handled on the pool one at a time, writes
// drained from an outbox, the registration answer always first.
class AgentStream final : public Reactor {
 public:
  // `bound_node`: the only name this stream may register as (from its
  // certificate); nullopt without TLS.
  AgentStream(control::ControlPlane* control, WorkPool* pool,
              std::optional<std::string> bound_node, std::string caller)
      : control_(control),
        pool_(pool),
        outbox_(std::make_shared<Outbox>()),
        bound_node_(std::move(bound_node)),
        caller_(std::move(caller)) {
    outbox_->stream = this;
    StartRead(&incoming_);
  }

  void OnReadDone(bool ok) override {
    if (ok && !name_.empty() && incoming_.has_heartbeat()) {
      // A heartbeat commits nothing: handled here, so that a backlog of
      // reports on the pool never delays it past the node's lease.
      Dispatch(incoming_);
      StartRead(&incoming_);
      return;
    }
    pool_->Post([this, ok] { ok ? Handle() : Close(grpc::Status::OK); });
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard<std::mutex> lock(outbox_->mu);
    outbox_->writing = false;
    if (ok) {
      outbox_->queue.pop_front();
    } else {
      outbox_->queue.clear();
      outbox_->broken = true;  // the read side ends too and closes
    }
    WriteNextLocked();
  }

  void OnDone() override {
    {
      std::lock_guard<std::mutex> lock(outbox_->mu);
      outbox_->stream = nullptr;  // later Sends go nowhere
    }
    delete this;
  }

 private:
  // What the control plane holds to reach this agent; outlives the stream.
  struct Outbox final : control::AgentSink {
    void Send(const v1::SchedulerMessage& message) override {
      std::lock_guard<std::mutex> lock(mu);
      if (stream == nullptr || broken || finishing) return;
      queue.push_back(message);
      if (started) stream->WriteNextLocked();
    }
    std::mutex mu;
    AgentStream* stream = nullptr;
    std::deque<v1::SchedulerMessage> queue;  // front: being written
    bool started = false;  // the registration answer is queued
    bool writing = false;
    bool broken = false;
    bool finishing = false;
    grpc::Status finish_status;
  };

  // Starts the next write, or finishes once closing and nothing is in
  // flight. gRPC never runs a reaction inline in the thread that starts an
  // operation, so holding the outbox's lock here cannot deadlock; OnDone
  // waits for the lock, so `this` outlives the caller's critical section.
  void WriteNextLocked() {
    if (outbox_->writing) return;
    if (outbox_->finishing) {
      Finish(outbox_->finish_status);
      outbox_->finishing = false;
      outbox_->broken = true;
      return;
    }
    if (!outbox_->started || outbox_->queue.empty() || outbox_->broken) return;
    outbox_->writing = true;
    StartWrite(&outbox_->queue.front());
  }

  // On the pool: one message; the next read starts when it is handled.
  void Handle() {
    if (name_.empty()) {
      if (!incoming_.has_register_()) {
        Close(
            grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                         "register: the first message must register the node"));
        return;
      }
      const std::string& wanted = incoming_.register_().node().name();
      if (bound_node_ && wanted != *bound_node_) {
        const std::string why = absl::StrCat(
            "register: node.name '", wanted,
            "' is not this certificate's node '", *bound_node_, "'");
        Audit("node.register", caller_, wanted, why);
        Close(grpc::Status(grpc::StatusCode::PERMISSION_DENIED, why));
        return;
      }
      auto registered = control_->RegisterAgent(incoming_.register_(), outbox_);
      if (!registered.ok()) {
        Audit("node.register", caller_, wanted, registered.status().message());
        Close(ToGrpcStatus(registered.status()));
        return;
      }
      Audit("node.register", caller_, wanted, "ok");
      name_ = wanted;
      v1::SchedulerMessage answer;
      *answer.mutable_registered() = *registered;
      std::lock_guard<std::mutex> lock(outbox_->mu);
      outbox_->queue.push_front(std::move(answer));
      outbox_->started = true;
      WriteNextLocked();
    } else {
      Dispatch(incoming_);
    }
    StartRead(&incoming_);
  }

  void Dispatch(const v1::AgentMessage& message) {
    absl::Status s;
    if (message.has_heartbeat()) {
      s = control_->Heartbeat(name_, message.heartbeat());
    } else if (message.has_task_status()) {
      s = control_->ReportTaskStatus(name_, message.task_status());
    } else if (message.has_calibration()) {
      s = control_->ReportCalibration(name_, message.calibration());
    } else if (message.has_collective()) {
      s = control_->ReportCollective(name_, message.collective());
    } else if (message.has_progress()) {
      s = control_->ReportTaskProgress(name_, message.progress());
    }
    if (!s.ok()) {
      log::Warn(absl::StrCat("agent ", name_, ": ", s.message()));
    }
  }

  // On the pool: the agent went away (or was refused). Finishes once the
  // write in flight, if any, is done.
  void Close(grpc::Status status) {
    if (!name_.empty()) control_->AgentDisconnected(name_, outbox_.get());
    std::lock_guard<std::mutex> lock(outbox_->mu);
    // Drop what is not yet written; a write in flight keeps its message.
    while (outbox_->queue.size() > (outbox_->writing ? 1u : 0u)) {
      outbox_->queue.pop_back();
    }
    outbox_->finishing = true;
    outbox_->finish_status = std::move(status);
    WriteNextLocked();
  }

  control::ControlPlane* const control_;
  WorkPool* const pool_;
  const std::shared_ptr<Outbox> outbox_;
  v1::AgentMessage incoming_;
  const std::optional<std::string> bound_node_;
  const std::string caller_;  // the certificate's CN, for the audit log
  std::string name_;          // set once registered
};

// A caller whose certificate is not a node's: refused before it reads.
class RefusedStream final : public Reactor {
 public:
  explicit RefusedStream(grpc::Status status) { Finish(std::move(status)); }
  void OnDone() override { delete this; }
};

}  // namespace

Reactor* AgentServiceImpl::Connect(grpc::CallbackServerContext* ctx) {
  if (!access_.enforced()) {
    return new AgentStream(control_, pool_, std::nullopt, "");
  }
  const PeerIdentity peer = IdentityOf(*ctx);
  std::optional<std::string> node = NodeNameOf(peer);
  if (!node) {
    const std::string why = absl::StrCat(
        "AgentService is only for node certificates (O=", kNodesOrganization,
        ", CN=", kNodeCommonNamePrefix, "NAME); you are '", peer.common_name,
        "'");
    Audit("agent.connect", peer.common_name, "", why);
    return new RefusedStream(
        grpc::Status(grpc::StatusCode::PERMISSION_DENIED, why));
  }
  return new AgentStream(control_, pool_, std::move(node), peer.common_name);
}

}  // namespace hetsched::server
