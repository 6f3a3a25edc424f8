// Calibration and interconnect tests on loopback: three real agents and the
// real scheduler run the TCP ring all-reduce between the agents
// (ValidateInterconnect and `hetsched validate-interconnect`), and agents
// with recorded calibration documents end up DEGRADED or READY.
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/integration/local_cluster.h"

namespace hetsched::testing {
namespace {

const std::vector<std::string> kNoCalibration = {"--calibrate-on-start",
                                                 "false"};

class InterconnectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(cluster_.StartScheduler().ok());
    for (const char* name : {"a", "b", "c"}) {
      ASSERT_TRUE(
          cluster_.StartAgent({name, "nvidia/h100", 8, "us-1", kNoCalibration})
              .ok());
    }
    ASSERT_TRUE(cluster_.WaitForReadyNodes(3).ok());
  }
  LocalCluster cluster_;
};

TEST_F(InterconnectTest, TcpRingOverThreeAgentsReportsVerifiedBandwidth) {
  v1::ValidateInterconnectRequest request;
  for (const char* n : {"a", "b", "c"}) request.add_nodes(n);
  request.set_mode("tcp");
  request.set_max_bytes(4 << 20);
  request.set_iterations(3);
  request.set_timeout_s(60);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(90));
  v1::ValidateInterconnectResponse response;
  grpc::Status s =
      cluster_.nodes().ValidateInterconnect(&ctx, request, &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  const v1::CollectiveResult& result = response.result();
  EXPECT_EQ(result.ranks(), 3u);
  EXPECT_TRUE(result.verified());
  ASSERT_EQ(result.samples_size(), 10);  // 8 B .. 2 MiB by 4
  for (const auto& sample : result.samples()) {
    EXPECT_TRUE(sample.verified()) << sample.bytes();
    EXPECT_GT(sample.busbw_gbps(), 0) << sample.bytes();
    EXPECT_NEAR(sample.busbw_gbps(), sample.algbw_gbps() * 4 / 3, 1e-9);
  }
  EXPECT_GT(result.avg_busbw_gbps(), 0);
}

TEST_F(InterconnectTest, CliPrintsTheSweepAndPairs) {
  CommandResult r =
      cluster_.Cli({"validate-interconnect", "--nodes", "a,b,c", "--max-bytes",
                    "1048576", "--pairs", "--timeout-s", "60"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("TIME(us)  ALGBW(GB/s)  BUSBW(GB/s)  OK"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("avg bus bandwidth: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("verified: yes"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("NODE A  NODE B  AVG BUSBW(GB/s)  OK"),
            std::string::npos)
      << r.out;
  for (const char* pair :
       {"\na       b       ", "\na       c       ", "\nb       c       "}) {
    EXPECT_NE(r.out.find(pair), std::string::npos) << pair << "\n" << r.out;
  }
}

TEST_F(InterconnectTest, CliRejectsBadInputNamingTheField) {
  CommandResult one = cluster_.Cli({"validate-interconnect", "--nodes", "a"});
  EXPECT_EQ(one.exit_code, 2);
  EXPECT_NE(one.err.find("--nodes"), std::string::npos) << one.err;
  CommandResult mode = cluster_.Cli(
      {"validate-interconnect", "--nodes", "a,b", "--mode", "carrier-pigeon"});
  EXPECT_EQ(mode.exit_code, 2);
  EXPECT_NE(mode.err.find("--mode"), std::string::npos) << mode.err;
  CommandResult unknown =
      cluster_.Cli({"validate-interconnect", "--nodes", "a,nowhere"});
  EXPECT_EQ(unknown.exit_code, 2) << unknown.err;
}

std::string Data(const std::string& file) {
  return absl::StrCat(HETSCHED_TEST_DATA_DIR, "/", file);
}

absl::StatusOr<v1::Node> GetNode(LocalCluster& cluster,
                                 const std::string& name) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::GetNodeRequest request;
  request.set_name(name);
  v1::Node node;
  grpc::Status s = cluster.nodes().GetNode(&ctx, request, &node);
  if (!s.ok()) return absl::UnavailableError(s.error_message());
  return node;
}

TEST(CalibrationIntegrationTest, HalfSpeedGemmNodeIsDegradedAndGetsNoWork) {
  LocalCluster cluster;
  ASSERT_TRUE(cluster.StartScheduler().ok());
  ASSERT_TRUE(cluster
                  .StartAgent({"slow",
                               "nvidia/h100",
                               8,
                               "us-1",
                               {"--calibration-file",
                                Data("calibration-h100-half-gemm.json")}})
                  .ok());
  ASSERT_TRUE(cluster
                  .StartAgent({"good",
                               "nvidia/h100",
                               8,
                               "us-1",
                               {"--calibration-file",
                                Data("calibration-h100-healthy.json")}})
                  .ok());
  // Both calibrated: slow degraded, good still ready.
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  v1::Node slow;
  v1::Node good;
  while (absl::Now() < deadline) {
    auto s = GetNode(cluster, "slow");
    auto g = GetNode(cluster, "good");
    if (s.ok() && g.ok() && s->calibrated_at_ms() > 0 &&
        g->calibrated_at_ms() > 0 && g->connected()) {
      slow = *s;
      good = *g;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_GT(slow.calibrated_at_ms(), 0) << "slow never calibrated";
  ASSERT_GT(good.calibrated_at_ms(), 0) << "good never calibrated";
  EXPECT_TRUE(slow.degraded());
  EXPECT_EQ(slow.state(), v1::NODE_STATE_DEGRADED) << slow.DebugString();
  EXPECT_NE(slow.state_reason().find("gemm_bf16_tflops"), std::string::npos)
      << slow.state_reason();
  EXPECT_FALSE(good.degraded());
  EXPECT_EQ(good.state(), v1::NODE_STATE_READY);

  CommandResult nodes = cluster.Cli({"nodes"});
  ASSERT_EQ(nodes.exit_code, 0) << nodes.err;
  EXPECT_NE(nodes.out.find("DEGRADED"), std::string::npos) << nodes.out;

  // Two one-node jobs that each fill a host: one runs on good, the other
  // waits rather than going to the degraded node.
  const std::string job =
      "name: fill\ntask_groups:\n  - name: main\n    replicas: 1\n"
      "    accelerators: {count: 8, kinds: [nvidia/h100]}\n"
      "    command: [\"sleep\", \"30\"]\n";
  auto first = cluster.Submit(job);
  auto second = cluster.Submit(job);
  ASSERT_TRUE(first.ok() && second.ok());
  auto running = cluster.WaitForJob(*first, {v1::JOB_STATE_RUNNING});
  ASSERT_TRUE(running.ok()) << running.status();
  ASSERT_EQ(running->tasks_size(), 1);
  EXPECT_EQ(running->tasks(0).node(), "good");
  auto waiting = cluster.GetJob(*second);
  ASSERT_TRUE(waiting.ok());
  EXPECT_EQ(waiting->state(), v1::JOB_STATE_PENDING) << waiting->DebugString();
}

}  // namespace
}  // namespace hetsched::testing
