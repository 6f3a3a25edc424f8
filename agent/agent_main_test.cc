// The hetsched-agent binary as a process: its flags, its first output line,
// registration with a (fake, in-test) scheduler, a task, and SIGTERM.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>
#include <regex>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "agent/test_util.h"
#include "hetsched/v1/agent.grpc.pb.h"

extern char** environ;

namespace hetsched::agent {
namespace {

using ::testing::HasSubstr;
using testing::PollUntil;
using ServerStream =
    grpc::ServerReaderWriter<v1::SchedulerMessage, v1::AgentMessage>;

// Accepts the registration, assigns one task, and records what it hears.
class FakeScheduler final : public v1::AgentService::Service {
 public:
  grpc::Status Connect(grpc::ServerContext*, ServerStream* stream) override {
    v1::AgentMessage in;
    if (!stream->Read(&in) || !in.has_register_()) return grpc::Status::OK;
    {
      std::lock_guard<std::mutex> lock(mu_);
      node_ = in.register_().node();
    }
    v1::SchedulerMessage out;
    out.mutable_registered()->set_accepted(true);
    stream->Write(out);
    out.Clear();
    v1::TaskAssignment* a = out.mutable_assign();
    a->set_task_id("job-1.w.0");
    a->set_job_id("job-1");
    a->set_accelerator_kind("nvidia/h100");
    a->add_device_indices(1);
    for (const char* arg :
         {"sh", "-c",
          "echo gpu=$CUDA_VISIBLE_DEVICES rank=$RANK; exec sleep 60"}) {
      a->add_command(arg);
    }
    (*a->mutable_env())["RANK"] = "0";
    stream->Write(out);
    while (stream->Read(&in)) {
      if (in.has_task_status()) {
        std::lock_guard<std::mutex> lock(mu_);
        states_.push_back(v1::TaskState_Name(in.task_status().state()));
      }
    }
    return grpc::Status::OK;
  }
  v1::NodeInfo node() {
    std::lock_guard<std::mutex> lock(mu_);
    return node_;
  }
  std::vector<std::string> states() {
    std::lock_guard<std::mutex> lock(mu_);
    return states_;
  }

 private:
  std::mutex mu_;
  v1::NodeInfo node_;
  std::vector<std::string> states_;
};

struct Agent {
  pid_t pid = -1;
  int stdout_fd = -1;
};

Agent Spawn(const std::vector<std::string>& args,
            const std::string& stderr_path) {
  std::vector<std::string> all = {HETSCHED_AGENT_BIN};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv(all.size() + 1, nullptr);
  std::transform(all.begin(), all.end(), argv.begin(),
                 [](std::string& a) { return a.data(); });
  int fds[2];
  EXPECT_EQ(pipe2(fds, O_CLOEXEC), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  Agent agent;
  EXPECT_EQ(
      posix_spawn(&agent.pid, argv[0], &actions, nullptr, argv.data(), environ),
      0);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  agent.stdout_fd = fds[0];
  return agent;
}

std::string FirstLine(int fd) {
  std::string line;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char c;
    if (read(fd, &c, 1) != 1 || c == '\n') break;
    line.push_back(c);
  }
  return line;
}

int WaitExit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(AgentMainTest, BadFlagExitsTwoNamingTheFlag) {
  testing::ScratchDir dir;
  Agent agent = Spawn({"--scheduler", "127.0.0.1:1", "--work-dir", dir.path(),
                       "--listen", "nonsense"},
                      dir.path() + "/err");
  EXPECT_EQ(WaitExit(agent.pid), 2);
  close(agent.stdout_fd);
  EXPECT_THAT(testing::ReadFile(dir.path() + "/err"), HasSubstr("--listen"));
}

TEST(AgentMainTest, MissingRequiredFlagExitsTwo) {
  testing::ScratchDir dir;
  Agent agent = Spawn({"--work-dir", dir.path()}, dir.path() + "/err");
  EXPECT_EQ(WaitExit(agent.pid), 2);
  close(agent.stdout_fd);
  EXPECT_THAT(testing::ReadFile(dir.path() + "/err"), HasSubstr("--scheduler"));
}

TEST(AgentMainTest, BadInventoryExitsTwoNamingFileAndField) {
  testing::ScratchDir dir;
  const std::string inventory = dir.path() + "/inv.yaml";
  testing::WriteFile(inventory,
                     "accelerators: {kind: nvidia/h100, count: -2}\n");
  Agent agent = Spawn({"--scheduler", "127.0.0.1:1", "--work-dir",
                       dir.path() + "/w", "--inventory", inventory},
                      dir.path() + "/err");
  EXPECT_EQ(WaitExit(agent.pid), 2);
  close(agent.stdout_fd);
  const std::string err = testing::ReadFile(dir.path() + "/err");
  EXPECT_THAT(err, HasSubstr("inv.yaml"));
  EXPECT_THAT(err, HasSubstr("accelerators.count"));
}

TEST(AgentMainTest, RegistersRunsATaskServesItsLogAndStopsOnSigterm) {
  testing::ScratchDir dir;
  FakeScheduler fake;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&fake);
  auto server = builder.BuildAndStart();

  const std::string inventory = dir.path() + "/inv.yaml";
  testing::WriteFile(inventory,
                     "instance_type: p5.48xlarge\n"
                     "accelerators: {kind: nvidia/h100, count: 8}\n"
                     "labels: {provider: aws, rack: r01, team: ml}\n");
  Agent agent = Spawn(
      {"--scheduler", "127.0.0.1:" + std::to_string(port), "--name", "h100-a",
       "--inventory", inventory, "--work-dir", dir.path() + "/w",
       "--heartbeat-ms", "50", "--kill-grace-s", "2", "--stop-tasks-on-exit"},
      dir.path() + "/err");
  const std::string line = FirstLine(agent.stdout_fd);
  std::smatch m;
  const std::regex format(
      "^hetsched-agent listening on 127\\.0\\.0\\.1:([0-9]+)$");
  ASSERT_TRUE(std::regex_match(line, m, format)) << line;
  const std::string log_address = "127.0.0.1:" + m[1].str();

  ASSERT_TRUE(PollUntil([&] {
    auto s = fake.states();
    return std::find(s.begin(), s.end(), "TASK_STATE_RUNNING") != s.end();
  }));
  const v1::NodeInfo node = fake.node();
  EXPECT_EQ(node.name(), "h100-a");
  EXPECT_EQ(node.instance_type(), "p5.48xlarge");
  EXPECT_EQ(node.accelerators_size(), 8);
  EXPECT_EQ(node.discovery(), "inventory");
  EXPECT_EQ(node.topology().rack(), "r01");
  EXPECT_EQ(node.labels().at("team"), "ml");
  EXPECT_EQ(node.agent_address(), log_address);

  auto logs = v1::AgentLogService::NewStub(
      grpc::CreateChannel(log_address, grpc::InsecureChannelCredentials()));
  std::string out;
  ASSERT_TRUE(PollUntil([&] {
    grpc::ClientContext context;
    v1::ReadTaskLogRequest request;
    request.set_task_id("job-1.w.0");
    auto reader = logs->ReadTaskLog(&context, request);
    v1::LogChunk chunk;
    out.clear();
    while (reader->Read(&chunk)) out += chunk.data();
    return reader->Finish().ok() && !out.empty();
  }));
  EXPECT_EQ(out, "gpu=1 rank=0\n");

  kill(agent.pid, SIGTERM);
  EXPECT_EQ(WaitExit(agent.pid), 0);
  close(agent.stdout_fd);
  EXPECT_TRUE(PollUntil([&] {
    return fake.states().back() == "TASK_STATE_PREEMPTED";
  })) << testing::ReadFile(dir.path() + "/err");
  server->Shutdown(std::chrono::system_clock::now());
}

TEST(AgentMainTest, TakesTheSchedulerFromTheEnvironment) {
  testing::ScratchDir dir;
  FakeScheduler fake;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&fake);
  auto server = builder.BuildAndStart();
  const std::string inventory = dir.path() + "/inv.yaml";
  testing::WriteFile(inventory,
                     "accelerators: {kind: nvidia/h100, count: 8}\n");
  // A replica list as operators give it; the first does not listen.
  setenv("HETSCHED_SCHEDULER",
         ("127.0.0.1:1,127.0.0.1:" + std::to_string(port)).c_str(), 1);
  Agent agent =
      Spawn({"--name", "from-env", "--inventory", inventory, "--work-dir",
             dir.path() + "/w", "--heartbeat-ms", "50", "--stop-tasks-on-exit"},
            dir.path() + "/err");
  unsetenv("HETSCHED_SCHEDULER");
  EXPECT_TRUE(PollUntil([&] { return fake.node().name() == "from-env"; }))
      << testing::ReadFile(dir.path() + "/err");
  kill(agent.pid, SIGTERM);
  EXPECT_EQ(WaitExit(agent.pid), 0);
  close(agent.stdout_fd);
  server->Shutdown(std::chrono::system_clock::now());
}

}  // namespace
}  // namespace hetsched::agent
