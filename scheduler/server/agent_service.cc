#include "scheduler/server/agent_service.h"

#include <condition_variable>
#include <deque>
#include <iostream>
#include <mutex>
#include <thread>

#include "scheduler/server/grpc_status.h"

namespace hetsched::server {
namespace {

using Stream = grpc::ServerReaderWriter<v1::SchedulerMessage, v1::AgentMessage>;

// The outbox of one agent stream. Send() only enqueues; Run() writes in
// order until Close(). Nothing is written before Start(), so the
// registration answer always goes first.
class AgentSession final : public control::AgentSink {
 public:
  void Send(const v1::SchedulerMessage& message) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return;
    outbox_.push_back(message);
    cv_.notify_one();
  }

  void Start() {
    std::lock_guard<std::mutex> lock(mu_);
    started_ = true;
    cv_.notify_one();
  }

  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    cv_.notify_one();
  }

  void Run(Stream* stream, grpc::ServerContext* ctx) {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      cv_.wait(lock,
               [this] { return closed_ || (started_ && !outbox_.empty()); });
      if (closed_) return;
      v1::SchedulerMessage next = std::move(outbox_.front());
      outbox_.pop_front();
      lock.unlock();
      const bool written = stream->Write(next);
      lock.lock();
      if (!written) {
        closed_ = true;
        ctx->TryCancel();
        return;
      }
    }
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<v1::SchedulerMessage> outbox_;
  bool started_ = false;
  bool closed_ = false;
};

}  // namespace

grpc::Status AgentServiceImpl::Connect(grpc::ServerContext* ctx,
                                       Stream* stream) {
  v1::AgentMessage first;
  if (!stream->Read(&first)) {
    return grpc::Status(grpc::StatusCode::CANCELLED, "stream closed early");
  }
  if (!first.has_register_()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "register: the first message must register the node");
  }
  const std::string name = first.register_().node().name();
  auto session = std::make_shared<AgentSession>();
  std::thread writer([&] { session->Run(stream, ctx); });
  auto registered = control_->RegisterAgent(first.register_(), session);
  if (!registered.ok()) {
    session->Close();
    writer.join();
    return ToGrpcStatus(registered.status());
  }
  v1::SchedulerMessage answer;
  *answer.mutable_registered() = *registered;
  // The writer is not started yet, so this is the only write in flight.
  if (!stream->Write(answer)) {
    session->Close();
    writer.join();
    control_->AgentDisconnected(name, session.get());
    return grpc::Status(grpc::StatusCode::CANCELLED, "agent went away");
  }
  session->Start();
  v1::AgentMessage message;
  while (stream->Read(&message)) {
    absl::Status s;
    if (message.has_heartbeat()) {
      s = control_->Heartbeat(name, message.heartbeat());
    } else if (message.has_task_status()) {
      s = control_->ReportTaskStatus(name, message.task_status());
    } else if (message.has_calibration()) {
      s = control_->ReportCalibration(name, message.calibration());
    } else if (message.has_collective()) {
      s = control_->ReportCollective(name, message.collective());
    } else if (message.has_progress()) {
      s = control_->ReportTaskProgress(name, message.progress());
    }
    if (!s.ok()) {
      std::cerr << "agent " << name << ": " << s.message() << "\n";
    }
  }
  control_->AgentDisconnected(name, session.get());
  session->Close();
  writer.join();
  return grpc::Status::OK;
}

}  // namespace hetsched::server
