#include "scheduler/server/log_proxy.h"

#include <atomic>
#include <chrono>

namespace hetsched::server {
namespace {

class Refusal final : public grpc::ServerWriteReactor<v1::LogChunk> {
 public:
  explicit Refusal(grpc::Status status) { Finish(std::move(status)); }
  void OnDone() override { delete this; }
};

// Both sides of one relay. Reads from the agent and writes to the client
// alternate, so exactly one operation is in flight at a time; the object
// goes when both RPCs are done.
class Relay final : public grpc::ServerWriteReactor<v1::LogChunk> {
 public:
  Relay(const std::shared_ptr<grpc::Channel>& channel,
        const control::TaskLogLocation& where,
        const v1::ReadTaskLogRequest& read)
      : stub_(v1::AgentLogService::NewStub(channel)),
        address_(where.agent_address),
        read_(read),
        upstream_(this) {
    if (!read.follow()) {
      // A plain read ends when the agent has sent the file; a follow runs
      // until the task ends or the client leaves.
      upstream_ctx_.set_deadline(std::chrono::system_clock::now() +
                                 std::chrono::seconds(30));
    }
    stub_->async()->ReadTaskLog(&upstream_ctx_, &read_, &upstream_);
    upstream_.StartRead(&chunk_);
    upstream_.StartCall();
  }

  // Client side.
  void OnWriteDone(bool ok) override {
    if (ok) {
      upstream_.StartRead(&chunk_);
    } else {
      client_gone_ = true;
      upstream_ctx_.TryCancel();  // the agent's call ends, then AgentDone
    }
  }
  void OnCancel() override { upstream_ctx_.TryCancel(); }
  void OnDone() override { Release(); }

 private:
  class Upstream final : public grpc::ClientReadReactor<v1::LogChunk> {
   public:
    explicit Upstream(Relay* relay) : relay_(relay) {}
    void OnReadDone(bool ok) override { relay_->FromAgent(ok); }
    void OnDone(const grpc::Status& s) override { relay_->AgentDone(s); }

   private:
    Relay* const relay_;
  };

  void FromAgent(bool ok) {
    if (ok && !client_gone_) StartWrite(&chunk_);
    // !ok: the agent's stream ended; AgentDone finishes the client side.
  }

  void AgentDone(const grpc::Status& s) {
    if (!s.ok() && s.error_code() == grpc::StatusCode::UNAVAILABLE) {
      Finish(grpc::Status(
          grpc::StatusCode::UNAVAILABLE,
          "agent at " + address_ + " is unreachable: " + s.error_message()));
    } else {
      Finish(s);
    }
    Release();
  }

  void Release() {
    if (refs_.fetch_sub(1) == 1) delete this;
  }

  std::unique_ptr<v1::AgentLogService::Stub> stub_;
  const std::string address_;
  const v1::ReadTaskLogRequest read_;  // sent by pointer: kept until done
  grpc::ClientContext upstream_ctx_;
  Upstream upstream_;
  v1::LogChunk chunk_;
  std::atomic<bool> client_gone_{false};
  std::atomic<int> refs_{2};  // the client's RPC and the agent's
};

}  // namespace

std::shared_ptr<grpc::Channel> AgentChannels::For(const std::string& address) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& channel = channels_[address];
  if (!channel) channel = grpc::CreateChannel(address, credentials_);
  return channel;
}

grpc::ServerWriteReactor<v1::LogChunk>* RelayTaskLog(
    AgentChannels* channels, const control::TaskLogLocation& where,
    const v1::ReadTaskLogRequest& read) {
  return new Relay(channels->For(where.agent_address), where, read);
}

grpc::ServerWriteReactor<v1::LogChunk>* RefuseTaskLog(grpc::Status status) {
  return new Refusal(std::move(status));
}

}  // namespace hetsched::server
