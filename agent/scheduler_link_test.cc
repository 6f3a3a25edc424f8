// The link against a fake scheduler: a real gRPC AgentService on
// 127.0.0.1:0 inside the test, scripted per connection.
#include "agent/scheduler_link.h"

#include <atomic>
#include <functional>
#include <mutex>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "agent/disk_guard.h"
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
    link_options.health_check = health_check_;
    v1::NodeInfo node;
    node.set_name("node-a");
    link_ = std::make_unique<SchedulerLink>(link_options, node);
    if (before_start_) before_start_();
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
  std::function<std::string()> health_check_;  // for the link's options
  std::function<void()> before_start_;         // once the link exists
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

TEST_F(SchedulerLinkTest,
       ANodeWithItsDiskNearlyFullTakesNoWorkUntilSpaceIsBack) {
  // The work dir's file system as the test says: 100 MiB or 10 GiB free.
  std::atomic<bool> full{true};
  DiskGuard::Options disk;
  disk.path = dir_.path();
  disk.min_free_bytes = uint64_t{1} << 30;
  disk.source = [&full](const std::string&) -> absl::StatusOr<DiskSpace> {
    return DiskSpace{full ? uint64_t{100} << 20 : uint64_t{10} << 30,
                     uint64_t{20} << 30};
  };
  disk.on_change = [this](const std::string& r) { link_->SetUnhealthy(r); };
  DiskGuard guard(disk);
  health_check_ = [&guard] { return guard.Check(); };
  before_start_ = [&] { link_->SetUnhealthy(guard.Check()); };
  auto brief = [](const std::string& reason) {
    return reason.empty() ? std::string("ok") : reason.substr(0, 16);
  };
  Start([&](int, ServerStream* stream) {
    v1::AgentMessage hello;
    if (!stream->Read(&hello)) return grpc::Status::OK;
    std::string said = hello.register_().unhealthy_reason();
    Record("register: " + brief(said));
    stream->Write(Registered());
    stream->Write(Assign("t1", {"true"}));
    ReadUntil(stream, /*ack=*/true, [&](const v1::AgentMessage& m) {
      if (m.has_heartbeat() && m.heartbeat().unhealthy_reason() != said) {
        said = m.heartbeat().unhealthy_reason();
        Record("heartbeat: " + brief(said));
      }
      if (!m.has_task_status()) return false;
      const v1::TaskStatus& s = m.task_status();
      Record(Describe(s) + (s.message().empty() ? "" : ": " + s.message()));
      if (s.task_id() == "t1" && s.state() == v1::TASK_STATE_PREEMPTED) {
        full = false;  // space is back
        stream->Write(Assign("t2", {"true"}));
      } else if (s.task_id() == "t2" && s.state() == v1::TASK_STATE_SUCCEEDED) {
        full = true;  // and gone again
        stream->Write(Assign("t3", {"true"}));
      }
      return false;
    });
    return grpc::Status::OK;
  });
  ASSERT_TRUE(PollUntil([&] {
    return Saw("t2 TASK_STATE_SUCCEEDED") && Log().back().starts_with("t3 ");
  }));
  const std::string refusal =
      "TASK_STATE_PREEMPTED: node cannot take work: disk nearly full: 100 MiB "
      "(0.5%) free on " +
      dir_.path() + ", below --min-free-disk-bytes 1073741824";
  // The scheduler hears of the disk before it hears of the refusal.
  EXPECT_THAT(Log(), ::testing::ElementsAre(
                         "register: disk nearly full", "t1 " + refusal,
                         "heartbeat: ok", "t2 TASK_STATE_STARTING",
                         "t2 TASK_STATE_RUNNING", "t2 TASK_STATE_SUCCEEDED",
                         "heartbeat: disk nearly full", "t3 " + refusal));
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/tasks/t1"));
  link_->Stop();  // before the guard it asks goes
}

}  // namespace
}  // namespace hetsched::agent
