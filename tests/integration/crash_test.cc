// The scheduler killed with SIGKILL again and again while clients submit
// and jobs are placed and run: every job it acknowledged is in its store
// after each restart, exactly once.
#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "spec/job_spec_yaml.h"
#include "tests/integration/local_cluster.h"

namespace hetsched::testing {
namespace {

constexpr int kKills = 20;
constexpr int kSubmitters = 4;
constexpr int kAcksPerRound = 8;

TEST(CrashTest, NothingAcknowledgedIsLostAcrossTwentyKills) {
  LocalCluster cluster;
  ASSERT_TRUE(cluster.StartScheduler().ok());
  ASSERT_TRUE(cluster.StartAgent({"h0", "nvidia/h100", 8}).ok());
  ASSERT_TRUE(cluster.WaitForReadyNodes(1).ok());
  const int port = cluster.scheduler_port();
  const std::string address = absl::StrCat("127.0.0.1:", port);
  auto spec = spec::ParseJobSpecYaml(
      "name: tiny\ntask_groups:\n  - name: main\n    replicas: 1\n"
      "    accelerators: {count: 1}\n    command: [\"true\"]\n");
  ASSERT_TRUE(spec.ok()) << spec.status();

  std::mutex mu;
  std::set<std::string> acknowledged;
  for (int kill = 0; kill < kKills; ++kill) {
    std::atomic<bool> stop{false};
    std::atomic<int> acks{0};
    std::vector<std::thread> submitters;
    for (int s = 0; s < kSubmitters; ++s) {
      submitters.emplace_back([&] {
        auto jobs = v1::JobService::NewStub(
            grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
        while (!stop.load()) {
          grpc::ClientContext ctx;
          ctx.set_deadline(std::chrono::system_clock::now() +
                           std::chrono::seconds(5));
          v1::SubmitJobRequest request;
          *request.mutable_spec() = *spec;
          v1::SubmitJobResponse response;
          if (jobs->SubmitJob(&ctx, request, &response).ok()) {
            std::lock_guard<std::mutex> lock(mu);
            acknowledged.insert(response.job_id());
            ++acks;
          }
        }
      });
    }
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (acks.load() < kAcksPerRound && absl::Now() < deadline) {
      std::this_thread::yield();
    }
    cluster.scheduler().Crash();  // mid-stream: submits are in flight
    stop = true;
    for (auto& t : submitters) t.join();
    ASSERT_GE(acks.load(), kAcksPerRound) << "round " << kill;
    ASSERT_TRUE(cluster.StartScheduler(port).ok()) << "restart " << kill;

    auto jobs = v1::JobService::NewStub(
        grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
    auto listed = ListJobIds(*jobs);
    ASSERT_TRUE(listed.ok()) << listed.status();
    const std::multiset<std::string> stored(listed->begin(), listed->end());
    std::lock_guard<std::mutex> lock(mu);
    for (const auto& id : acknowledged) {
      ASSERT_EQ(stored.count(id), 1u)
          << id << " was acknowledged before kill " << kill
          << " and is gone after the restart";
    }
  }
  EXPECT_GE(acknowledged.size(), static_cast<size_t>(kKills * kAcksPerRound));
}

}  // namespace
}  // namespace hetsched::testing
