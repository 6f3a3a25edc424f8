#include "scheduler/server/agent_service.h"

#include <deque>
#include <iostream>
#include <memory>
#include <mutex>

#include "scheduler/server/grpc_status.h"

namespace hetsched::server {
namespace {

using Reactor = grpc::ServerBidiReactor<v1::AgentMessage, v1::SchedulerMessage>;

// One agent's stream: reads handled on the pool one at a time, writes
// drained from an outbox, the registration answer always first.
class AgentStream final : public Reactor {
 public:
  AgentStream(control::ControlPlane* control, WorkPool* pool)
      : control_(control), pool_(pool), outbox_(std::make_shared<Outbox>()) {
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
      auto registered = control_->RegisterAgent(incoming_.register_(), outbox_);
      if (!registered.ok()) {
        Close(ToGrpcStatus(registered.status()));
        return;
      }
      name_ = incoming_.register_().node().name();
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
    if (!s.ok()) std::cerr << "agent " << name_ << ": " << s.message() << "\n";
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
  std::string name_;  // set once registered
};

}  // namespace

Reactor* AgentServiceImpl::Connect(grpc::CallbackServerContext* /*ctx*/) {
  return new AgentStream(control_, pool_);
}

}  // namespace hetsched::server
