// The long-lived streams hold no thread: the scheduler's thread count stays
// flat as agents connect and watchers watch (gRPC callback API).
#include <dirent.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "hetsched/v1/agent.grpc.pb.h"
#include "hetsched/v1/scheduler.grpc.pb.h"
#include "scheduler/server/scheduler_daemon.h"

namespace hetsched::server {
namespace {

int ThreadsOfThisProcess() {
  int n = 0;
  DIR* dir = opendir("/proc/self/task");
  if (dir == nullptr) return -1;
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(dir);
  return n;
}

using AgentStream =
    grpc::ClientReaderWriter<v1::AgentMessage, v1::SchedulerMessage>;

class CallbackServicesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string dir = ::testing::TempDir() + "/callback_services_test";
    std::filesystem::remove_all(dir);
    DaemonOptions options;
    options.listen = "127.0.0.1:0";
    options.data_dir = dir;
    auto daemon = SchedulerDaemon::Start(options);
    ASSERT_TRUE(daemon.ok()) << daemon.status();
    daemon_ = std::move(*daemon);
    channel_ =
        grpc::CreateChannel("127.0.0.1:" + std::to_string(daemon_->port()),
                            grpc::InsecureChannelCredentials());
    agents_ = v1::AgentService::NewStub(channel_);
    jobs_ = v1::JobService::NewStub(channel_);
  }

  void TearDown() override {
    for (auto& ctx : contexts_) ctx->TryCancel();
    daemon_->Shutdown();
  }

  // Opens an agent stream for `name` and reads its registration answer.
  void ConnectAgent(const std::string& name) {
    auto& ctx = contexts_.emplace_back(std::make_unique<grpc::ClientContext>());
    auto stream = agents_->Connect(ctx.get());
    v1::AgentMessage hello;
    auto* node = hello.mutable_register_()->mutable_node();
    node->set_name(name);
    node->set_agent_address("127.0.0.1:1");
    for (int i = 0; i < 8; ++i) {
      auto* a = node->add_accelerators();
      a->set_index(i);
      a->set_kind("nvidia/h100");
    }
    ASSERT_TRUE(stream->Write(hello));
    v1::SchedulerMessage answer;
    ASSERT_TRUE(stream->Read(&answer));
    ASSERT_TRUE(answer.has_registered()) << answer.DebugString();
    streams_.push_back(std::move(stream));
  }

  // Opens a watch of `job_id` from the start and reads its first event.
  void Watch(const std::string& job_id) {
    auto& ctx = contexts_.emplace_back(std::make_unique<grpc::ClientContext>());
    v1::WatchJobRequest request;
    request.set_job_id(job_id);
    request.set_from_start(true);
    auto reader = jobs_->WatchJob(ctx.get(), request);
    v1::JobEvent first;
    ASSERT_TRUE(reader->Read(&first));
    EXPECT_EQ(first.type(), "SUBMITTED");
    watchers_.push_back(std::move(reader));
  }

  std::string Submit() {
    grpc::ClientContext ctx;
    v1::SubmitJobRequest request;
    auto* group = request.mutable_spec()->add_task_groups();
    request.mutable_spec()->set_name("big");
    group->set_name("main");
    group->set_replicas(1);
    group->mutable_accelerators()->set_count(64);  // never fits: stays
    group->add_command("true");
    v1::SubmitJobResponse response;
    EXPECT_TRUE(jobs_->SubmitJob(&ctx, request, &response).ok());
    return response.job_id();
  }

  std::unique_ptr<SchedulerDaemon> daemon_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::AgentService::Stub> agents_;
  std::unique_ptr<v1::JobService::Stub> jobs_;
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts_;
  std::vector<std::unique_ptr<AgentStream>> streams_;
  std::vector<std::unique_ptr<grpc::ClientReader<v1::JobEvent>>> watchers_;
};

TEST_F(CallbackServicesTest, ThreadsStayFlatAsAgentsAndWatchersGrow) {
  const std::string job = Submit();
  ConnectAgent("warm-0");
  Watch(job);
  const int before = ThreadsOfThisProcess();
  for (int i = 0; i < 60; ++i) {
    ConnectAgent("node-" + std::to_string(i));
    Watch(job);
  }
  const int after = ThreadsOfThisProcess();
  // A thread per stream (the synchronous API) would add 120 or more.
  EXPECT_LT(after - before, 10) << before << " threads before, " << after
                                << " after 60 agents and 60 watchers";
}

TEST_F(CallbackServicesTest, AWatchOfAnUnknownJobEndsNotFound) {
  grpc::ClientContext ctx;
  v1::WatchJobRequest request;
  request.set_job_id("j-424242");
  auto reader = jobs_->WatchJob(&ctx, request);
  v1::JobEvent event;
  EXPECT_FALSE(reader->Read(&event));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(CallbackServicesTest, AnAgentThatDoesNotRegisterFirstIsRefused) {
  grpc::ClientContext ctx;
  auto stream = agents_->Connect(&ctx);
  v1::AgentMessage beat;
  beat.mutable_heartbeat()->set_sent_ms(1);
  ASSERT_TRUE(stream->Write(beat));
  v1::SchedulerMessage answer;
  EXPECT_FALSE(stream->Read(&answer));
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace hetsched::server
