// The link given several scheduler replicas: it moves on from a replica
// that stops answering, as a paused or cut-off leader does while its TCP
// connections stay open.
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "agent/scheduler_link.h"
#include "agent/test_util.h"

namespace hetsched::agent {
namespace {

using testing::PollUntil;
using ServerStream =
    grpc::ServerReaderWriter<v1::SchedulerMessage, v1::AgentMessage>;

// A replica that registers the node and acks heartbeats until it is told
// to go quiet; then it reads on and answers nothing.
class Replica final : public v1::AgentService::Service {
 public:
  explicit Replica(bool answers_registration)
      : answers_registration_(answers_registration) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port_);
    builder.RegisterService(this);
    server_ = builder.BuildAndStart();
  }
  ~Replica() override { server_->Shutdown(std::chrono::system_clock::now()); }

  grpc::Status Connect(grpc::ServerContext* context,
                       ServerStream* stream) override {
    ++streams_;
    v1::AgentMessage in;
    if (!stream->Read(&in) || !in.has_register_()) return grpc::Status::OK;
    if (answers_registration_) {
      v1::SchedulerMessage registered;
      registered.mutable_registered()->set_accepted(true);
      registered.mutable_registered()->set_heartbeat_interval_ms(50);
      stream->Write(registered);
      ++registrations_;
    }
    while (stream->Read(&in)) {
      if (in.has_heartbeat() && answers_registration_ && !quiet_.load()) {
        v1::SchedulerMessage ack;
        ack.mutable_heartbeat_ack()->set_sent_ms(in.heartbeat().sent_ms());
        stream->Write(ack);
      }
    }
    if (context->IsCancelled()) ++cancelled_by_agent_;
    return grpc::Status::OK;
  }

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  void GoQuiet() { quiet_ = true; }
  int streams() const { return streams_.load(); }
  int registrations() const { return registrations_.load(); }
  int cancelled_by_agent() const { return cancelled_by_agent_.load(); }

 private:
  const bool answers_registration_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  std::atomic<bool> quiet_{false};
  std::atomic<int> streams_{0};
  std::atomic<int> registrations_{0};
  std::atomic<int> cancelled_by_agent_{0};
};

class NoWork final : public LinkHandler {
 public:
  void OnAssign(const v1::TaskAssignment&) override {}
  void OnKill(const v1::KillTask&) override {}
  std::vector<v1::TaskStatus> RunningTasks() override { return {}; }
};

std::unique_ptr<SchedulerLink> LinkTo(const std::vector<Replica*>& replicas) {
  SchedulerLink::Options options;
  for (const Replica* r : replicas) {
    options.target += (options.target.empty() ? "" : ",") + r->address();
  }
  options.initial_backoff = absl::Milliseconds(20);
  options.max_backoff = absl::Milliseconds(100);
  options.replica_patience = absl::Milliseconds(300);
  v1::NodeInfo node;
  node.set_name("node-a");
  return std::make_unique<SchedulerLink>(options, node);
}

// A link to `replicas`, started at once and stopped when it goes.
class StartedLink {
 public:
  explicit StartedLink(const std::vector<Replica*>& replicas)
      : link_(LinkTo(replicas)) {
    link_->Start(&handler_);
  }
  ~StartedLink() { link_->Stop(); }
  SchedulerLink* operator->() { return link_.get(); }

 private:
  NoWork handler_;
  std::unique_ptr<SchedulerLink> link_;
};

TEST(SchedulerLinkReplicasTest, AReplicaThatFallsSilentIsLeftForTheNext) {
  Replica leader(true);
  Replica next(true);
  StartedLink link({&leader, &next});
  ASSERT_TRUE(PollUntil([&] { return leader.registrations() == 1; }));
  ASSERT_EQ(next.streams(), 0);

  leader.GoQuiet();  // the stream stays open; nothing comes back
  EXPECT_TRUE(PollUntil([&] { return next.registrations() == 1; }))
      << "the link waited on a silent replica";
  EXPECT_TRUE(PollUntil([&] { return leader.cancelled_by_agent() == 1; }));
}

TEST(SchedulerLinkReplicasTest, AReplicaThatNeverAnswersTheRegistrationIsLeft) {
  Replica stalled(false);
  Replica next(true);
  StartedLink link({&stalled, &next});
  EXPECT_TRUE(PollUntil([&] { return next.registrations() == 1; }));
  EXPECT_EQ(stalled.streams(), 1);
}

TEST(SchedulerLinkReplicasTest, ARegisteredStreamThatIsAnsweredIsKept) {
  Replica leader(true);
  Replica next(true);
  StartedLink link({&leader, &next});
  ASSERT_TRUE(PollUntil([&] { return leader.registrations() == 1; }));
  // Several patiences pass with heartbeats acked: no reason to move.
  EXPECT_FALSE(PollUntil([&] { return next.streams() > 0; },
                         std::chrono::milliseconds(1200)));
  EXPECT_EQ(link->connects(), 1);
}

TEST(SchedulerLinkReplicasTest, PatienceIsHalfTheLeaseAndAtLeastTwoHeartbeats) {
  EXPECT_EQ(SchedulerLink::ReplicaPatience(absl::Seconds(20), absl::Seconds(5)),
            absl::Seconds(10));
  EXPECT_EQ(SchedulerLink::ReplicaPatience(absl::Seconds(8), absl::Seconds(1)),
            absl::Seconds(4));
  EXPECT_EQ(SchedulerLink::ReplicaPatience(absl::Seconds(4), absl::Seconds(5)),
            absl::Seconds(10));
  // No lease heard yet.
  EXPECT_EQ(
      SchedulerLink::ReplicaPatience(absl::ZeroDuration(), absl::Seconds(1)),
      absl::Seconds(10));
}

}  // namespace
}  // namespace hetsched::agent
