#include "agent/collective_tests.h"

#include <thread>

#include "agent/fake_ring.h"
#include "gtest/gtest.h"

namespace hetsched::agent {
namespace {

using testing::FakeRing;

TEST(RingSweepTest, ThreeRanksReportVerifiedSamplesAndTheAverage) {
  const uint32_t n = 3;
  FakeRing ring(n);
  std::vector<absl::StatusOr<v1::CollectiveResult>> results(
      n, absl::UnknownError("not run"));
  std::vector<std::thread> threads;
  for (uint32_t r = 0; r < n; ++r) {
    threads.emplace_back([&, r] {
      v1::CollectiveTestOrder order;
      order.set_rank(r);
      order.set_nranks(n);
      order.set_min_bytes(8);
      order.set_max_bytes(2 << 20);
      order.set_step_factor(8);
      order.set_iterations(2);
      FakeRing::Port port(&ring, r);
      results[r] = RunRingSweep(order, port);
    });
  }
  for (auto& t : threads) t.join();
  for (uint32_t r = 0; r < n; ++r) {
    ASSERT_TRUE(results[r].ok()) << results[r].status();
    const v1::CollectiveResult& result = *results[r];
    EXPECT_TRUE(result.verified());
    EXPECT_EQ(result.ranks(), n);
    EXPECT_EQ(result.collective(), "all_reduce");
    ASSERT_EQ(result.samples_size(), 7);  // 8 B .. 2 MiB by 8
    EXPECT_EQ(result.samples(6).bytes(), 2u << 20);
    EXPECT_EQ(result.avg_min_bytes(), 1u << 20);
    for (const auto& s : result.samples()) {
      EXPECT_TRUE(s.verified());
      EXPECT_GT(s.time_us(), 0);
      EXPECT_DOUBLE_EQ(s.busbw_gbps(), s.algbw_gbps() * 4 / 3);
    }
    // Only 2 MiB is >= 1 MiB.
    EXPECT_DOUBLE_EQ(result.avg_busbw_gbps(), result.samples(6).busbw_gbps());
  }
}

TEST(NcclResultTest, ConvertsTheAllReduceSamples) {
  auto result = NcclResultFromDocument(R"({
    "schema_version": 1, "status": "ok",
    "nccl": {"mode": "multi_process", "ranks": 2, "avg_busbw_min_bytes": 1024,
      "collectives": [
        {"collective": "all_gather", "avg_busbw_gbps": 1, "verified": true,
         "samples": []},
        {"collective": "all_reduce", "avg_busbw_gbps": 20.5, "verified": true,
         "samples": [{"bytes": 1024, "count": 256, "time_us": 10.0,
                      "algbw_gbps": 0.1024, "busbw_gbps": 0.1024,
                      "verified": true}]}]}})");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->ranks(), 2u);
  EXPECT_EQ(result->avg_min_bytes(), 1024u);
  EXPECT_DOUBLE_EQ(result->avg_busbw_gbps(), 20.5);
  ASSERT_EQ(result->samples_size(), 1);
  EXPECT_EQ(result->samples(0).bytes(), 1024u);
  EXPECT_TRUE(result->verified());
}

TEST(NcclResultTest, NoDeviceIsAFailureWithTheToolsReason) {
  auto result = NcclResultFromDocument(
      R"({"schema_version": 1, "status": "no_cuda_device", "reason": "no driver"})");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(), "no_cuda_device: no driver");
}

}  // namespace
}  // namespace hetsched::agent
