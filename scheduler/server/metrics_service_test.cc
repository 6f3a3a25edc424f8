// The scheduler daemon in-process on port 0 with /metrics on port 0: the
// exposer answers, and gRPC calls show up by method and code.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "hetsched/v1/scheduler.grpc.pb.h"
#include "scheduler/server/scheduler_daemon.h"

namespace hetsched::server {
namespace {

// GET http://127.0.0.1:PORT/PATH; the body, or "" on any failure.
std::string HttpGet(int port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string body;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    std::string req =
        "GET " + path +
        " HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if (write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
      char buf[8192];
      ssize_t n;
      while ((n = read(fd, buf, sizeof buf)) > 0) body.append(buf, n);
    }
  }
  close(fd);
  auto split = body.find("\r\n\r\n");
  return split == std::string::npos ? "" : body.substr(split + 4);
}

TEST(SchedulerMetricsServiceTest, ServesMetricsAndCountsCalls) {
  std::string dir = ::testing::TempDir() + "/metrics_service_test";
  std::filesystem::remove_all(dir);
  DaemonOptions options;
  options.listen = "127.0.0.1:0";
  options.metrics_listen = "127.0.0.1:0";
  options.data_dir = dir;
  auto daemon = SchedulerDaemon::Start(options);
  ASSERT_TRUE(daemon.ok()) << daemon.status();
  ASSERT_NE((*daemon)->metrics_port(), 0);

  auto channel =
      grpc::CreateChannel("127.0.0.1:" + std::to_string((*daemon)->port()),
                          grpc::InsecureChannelCredentials());
  auto jobs = v1::JobService::NewStub(channel);
  grpc::ClientContext list_ctx;
  v1::ListJobsResponse list;
  ASSERT_TRUE(jobs->ListJobs(&list_ctx, {}, &list).ok());
  grpc::ClientContext get_ctx;
  v1::GetJobRequest get;
  get.set_job_id("nope");
  v1::Job job;
  EXPECT_EQ(jobs->GetJob(&get_ctx, get, &job).error_code(),
            grpc::StatusCode::NOT_FOUND);

  std::string text = HttpGet((*daemon)->metrics_port(), "/metrics");
  EXPECT_THAT(text, ::testing::HasSubstr("# TYPE hetsched_jobs gauge"));
  EXPECT_THAT(text, ::testing::HasSubstr(
                        "hetsched_grpc_server_handled_total{code=\"OK\",method="
                        "\"/hetsched.v1.JobService/ListJobs\"} 1"));
  EXPECT_THAT(text, ::testing::HasSubstr(
                        "hetsched_grpc_server_handled_total{code=\"NOT_FOUND\","
                        "method=\"/hetsched.v1.JobService/GetJob\"} 1"));
  EXPECT_THAT(text, ::testing::HasSubstr(
                        "hetsched_store_write_duration_seconds_count"));
  (*daemon)->Shutdown();
}

TEST(SchedulerMetricsServiceTest, RefusesAMetricsAddressItCannotBind) {
  std::string dir = ::testing::TempDir() + "/metrics_service_test_bad";
  std::filesystem::remove_all(dir);
  DaemonOptions options;
  options.listen = "127.0.0.1:0";
  options.metrics_listen = "256.0.0.1:1";
  options.data_dir = dir;
  auto daemon = SchedulerDaemon::Start(options);
  EXPECT_EQ(daemon.status().code(), absl::StatusCode::kUnavailable);
}

TEST(SchedulerMetricsServiceTest, OptimizingPoliciesCountTheirSolves) {
  // Under max-min the daemon solves allocation LPs on its solver thread;
  // a training job's arrival leads to a solve that /metrics counts.
  std::string dir = ::testing::TempDir() + "/metrics_solver_test";
  std::filesystem::remove_all(dir);
  DaemonOptions options;
  options.listen = "127.0.0.1:0";
  options.metrics_listen = "127.0.0.1:0";
  options.data_dir = dir;
  options.tick_interval = absl::Milliseconds(20);
  options.control.scheduling.policy = "max-min";
  auto daemon = SchedulerDaemon::Start(options);
  ASSERT_TRUE(daemon.ok()) << daemon.status();

  auto jobs = v1::JobService::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string((*daemon)->port()),
                          grpc::InsecureChannelCredentials()));
  v1::SubmitJobRequest submit;
  submit.mutable_spec()->set_name("train");
  auto* group = submit.mutable_spec()->add_task_groups();
  group->set_name("workers");
  group->set_replicas(1);
  group->mutable_accelerators()->set_count(1);
  group->add_command("true");
  grpc::ClientContext ctx;
  v1::SubmitJobResponse submitted;
  ASSERT_TRUE(jobs->SubmitJob(&ctx, submit, &submitted).ok());

  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::string text;
  while (std::chrono::steady_clock::now() < deadline) {
    text = HttpGet((*daemon)->metrics_port(), "/metrics");
    if (text.find("hetsched_allocation_solves_total 0") == std::string::npos &&
        text.find("hetsched_allocation_solves_total") != std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_THAT(
      text, ::testing::ContainsRegex("hetsched_allocation_solves_total [1-9]"));
  EXPECT_THAT(text, ::testing::HasSubstr(
                        "hetsched_allocation_solver_failures_total 0"));
  (*daemon)->Shutdown();
}

}  // namespace
}  // namespace hetsched::server
