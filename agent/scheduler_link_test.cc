// The link against a fake scheduler: a real gRPC AgentService on
// 127.0.0.1:0 inside the test, scripted per connection.
#include "agent/scheduler_link.h"

#include <functional>
#include <mutex>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "agent/task_manager.h"
#include "agent/test_util.h"

namespace hetsched::agent {
namespace {

using testing::PollUntil;
using ServerStream =
    grpc::ServerReaderWriter<v1::SchedulerMessage, v1::AgentMessage>;

class FakeScheduler final : public v1::AgentService::Service {
 public:
  using Script = std::function<grpc::Status(int connection, ServerStream*)>;
  explicit FakeScheduler(Script script) : script_(std::move(script)) {}

  grpc::Status Connect(grpc::ServerContext*, ServerStream* stream) override {
    int connection;
    {
      std::lock_guard<std::mutex> lock(mu_);
      connection = connections_++;
    }
    return script_(connection, stream);
  }

 private:
  Script script_;
  std::mutex mu_;
  int connections_ = 0;
};

class ManagerHandler final : public LinkHandler {
 public:
  explicit ManagerHandler(TaskManager* m) : m_(m) {}
  void OnAssign(const v1::TaskAssignment& a) override { m_->Assign(a); }
  void OnKill(const v1::KillTask& k) override { m_->Kill(k); }
  std::vector<v1::TaskStatus> RunningTasks() override { return m_->Running(); }

 private:
  TaskManager* m_;
};

v1::SchedulerMessage Registered() {
  v1::SchedulerMessage m;
  m.mutable_registered()->set_accepted(true);
  m.mutable_registered()->set_heartbeat_interval_ms(50);
  return m;
}

v1::SchedulerMessage Assign(const std::string& id,
                            const std::vector<std::string>& command) {
  v1::SchedulerMessage m;
  m.mutable_assign()->set_task_id(id);
  m.mutable_assign()->set_job_id("job-1");
  for (auto& c : command) m.mutable_assign()->add_command(c);
  (*m.mutable_assign()->mutable_env())["RANK"] = "0";
  return m;
}

// Reads until `done` says so (true) or the stream ends (false); answers
// heartbeats when `ack` is set.
bool ReadUntil(ServerStream* stream, bool ack,
               const std::function<bool(const v1::AgentMessage&)>& done) {
  v1::AgentMessage in;
  while (stream->Read(&in)) {
    if (ack && in.has_heartbeat()) {
      v1::SchedulerMessage out;
      out.mutable_heartbeat_ack()->set_sent_ms(in.heartbeat().sent_ms());
      stream->Write(out);
    }
    if (done(in)) return true;
  }
  return false;
}

class SchedulerLinkTest : public ::testing::Test {
 protected:
  void Start(FakeScheduler::Script script) {
    fake_ = std::make_unique<FakeScheduler>(std::move(script));
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(fake_.get());
    server_ = builder.BuildAndStart();

    TaskManager::Options options;
    options.work_dir = dir_.path();
    options.default_grace = absl::Milliseconds(200);
    manager_ = std::make_unique<TaskManager>(
        options, [this](const v1::TaskStatus& s) { link_->Report(s); });
    handler_ = std::make_unique<ManagerHandler>(manager_.get());
    SchedulerLink::Options link_options;
    link_options.target = "127.0.0.1:" + std::to_string(port);
    link_options.initial_backoff = absl::Milliseconds(20);
    link_options.max_backoff = absl::Milliseconds(100);
    v1::NodeInfo node;
    node.set_name("node-a");
    link_ = std::make_unique<SchedulerLink>(link_options, node);
    link_->Start(handler_.get());
  }

  void TearDown() override {
    manager_.reset();  // reports its last statuses into the link
    link_->Stop();
    server_->Shutdown(std::chrono::system_clock::now());
  }

  void Record(const std::string& what) {
    std::lock_guard<std::mutex> lock(mu_);
    log_.push_back(what);
  }
  bool Saw(const std::string& what) {
    std::lock_guard<std::mutex> lock(mu_);
    return std::find(log_.begin(), log_.end(), what) != log_.end();
  }
  std::vector<std::string> Log() {
    std::lock_guard<std::mutex> lock(mu_);
    return log_;
  }

  static std::string Describe(const v1::TaskStatus& s) {
    return s.task_id() + " " + v1::TaskState_Name(s.state());
  }

  testing::ScratchDir dir_;
  std::mutex mu_;
  std::vector<std::string> log_;
  std::unique_ptr<FakeScheduler> fake_;
  std::unique_ptr<grpc::Server> server_;
  // Declared before the manager, which reports into it while it stops.
  std::unique_ptr<SchedulerLink> link_;
  std::unique_ptr<TaskManager> manager_;
  std::unique_ptr<ManagerHandler> handler_;
};

TEST_F(SchedulerLinkTest, RegistersRunsTheAssignmentAndReportsItsEnd) {
  Start([this](int, ServerStream* stream) {
    v1::AgentMessage hello;
    if (!stream->Read(&hello) || !hello.has_register_()) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no register");
    }
    Record("register " + hello.register_().node().name());
    stream->Write(Registered());
    stream->Write(Assign("t1", {"sh", "-c", "echo hello"}));
    ReadUntil(stream, /*ack=*/true, [&](const v1::AgentMessage& m) {
      if (m.has_task_status()) Record(Describe(m.task_status()));
      return false;  // until the agent goes away
    });
    return grpc::Status::OK;
  });
  ASSERT_TRUE(PollUntil([&] { return Saw("t1 TASK_STATE_SUCCEEDED"); }));
  EXPECT_THAT(Log(), ::testing::ElementsAre(
                         "register node-a", "t1 TASK_STATE_STARTING",
                         "t1 TASK_STATE_RUNNING", "t1 TASK_STATE_SUCCEEDED"));
  EXPECT_EQ(testing::ReadFile(dir_.path() + "/tasks/t1/stdout"), "hello\n");
  EXPECT_TRUE(link_->connected());
  EXPECT_TRUE(PollUntil([&] { return link_->last_round_trip_ms() >= 0; }));
}

TEST_F(SchedulerLinkTest, ReconnectsListsRunningTasksAndResendsEnds) {
  Start([this](int connection, ServerStream* stream) {
    v1::AgentMessage hello;
    if (!stream->Read(&hello)) return grpc::Status::OK;
    if (connection == 0) {
      stream->Write(Registered());
      stream->Write(Assign("quick", {"true"}));
      stream->Write(Assign("long", {"sleep", "60"}));
      bool quick_done = false, long_running = false;
      // No heartbeat acks: "quick"'s end is never confirmed.
      ReadUntil(stream, /*ack=*/false, [&](const v1::AgentMessage& m) {
        if (!m.has_task_status()) return false;
        const std::string d = Describe(m.task_status());
        quick_done |= d == "quick TASK_STATE_SUCCEEDED";
        long_running |= d == "long TASK_STATE_RUNNING";
        return quick_done && long_running;
      });
      Record("first stream broken");
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "scheduler restart");
    }
    for (const auto& running : hello.register_().running_tasks()) {
      Record("re-register lists " + Describe(running));
    }
    stream->Write(Registered());
    ReadUntil(stream, /*ack=*/true, [&](const v1::AgentMessage& m) {
      if (!m.has_task_status()) return false;
      const std::string d = Describe(m.task_status());
      Record("then " + d);
      if (d == "quick TASK_STATE_SUCCEEDED") {
        v1::SchedulerMessage kill;
        kill.mutable_kill()->set_task_id("long");
        kill.mutable_kill()->set_grace_period_s(1);
        kill.mutable_kill()->set_final_state(v1::TASK_STATE_CANCELLED);
        stream->Write(kill);
      }
      return false;
    });
    return grpc::Status::OK;
  });
  ASSERT_TRUE(PollUntil([&] { return Saw("then long TASK_STATE_CANCELLED"); }));
  EXPECT_TRUE(Saw("first stream broken"));
  EXPECT_TRUE(Saw("re-register lists long TASK_STATE_RUNNING"));
  EXPECT_TRUE(Saw("then quick TASK_STATE_SUCCEEDED"));
  EXPECT_GE(link_->connects(), 2);
}

TEST_F(SchedulerLinkTest, RetriesWhileTheSchedulerRefuses) {
  Start([this](int connection, ServerStream* stream) {
    v1::AgentMessage hello;
    stream->Read(&hello);
    if (connection < 2) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "not ready");
    }
    Record("accepted");
    stream->Write(Registered());
    ReadUntil(stream, true, [](const v1::AgentMessage&) { return false; });
    return grpc::Status::OK;
  });
  ASSERT_TRUE(PollUntil([&] { return Saw("accepted"); }));
  EXPECT_TRUE(PollUntil([&] { return link_->connected(); }));
}

}  // namespace
}  // namespace hetsched::agent
