#include "agent/collective_ring.h"

#include <thread>

#include "agent/fake_ring.h"
#include "gtest/gtest.h"

namespace hetsched::agent {
namespace {

TEST(RingChunkTest, SplitsUnevenCountsWithTheRemainderFirst) {
  // 10 elements over 3 ranks: 4, 3, 3.
  EXPECT_EQ(RingChunkOf(10, 3, 0).offset, 0u);
  EXPECT_EQ(RingChunkOf(10, 3, 0).count, 4u);
  EXPECT_EQ(RingChunkOf(10, 3, 1).offset, 4u);
  EXPECT_EQ(RingChunkOf(10, 3, 1).count, 3u);
  EXPECT_EQ(RingChunkOf(10, 3, 2).offset, 7u);
  EXPECT_EQ(RingChunkOf(10, 3, 2).count, 3u);
}

TEST(RingChunkTest, ChunksTileTheBufferForEveryCountAndRankCount) {
  for (uint32_t n = 1; n <= 7; ++n) {
    for (size_t count = 0; count <= 40; ++count) {
      size_t next = 0;
      for (uint32_t c = 0; c < n; ++c) {
        const RingChunk chunk = RingChunkOf(count, n, c);
        EXPECT_EQ(chunk.offset, next) << count << " over " << n;
        next += chunk.count;
      }
      EXPECT_EQ(next, count);
    }
  }
}

TEST(RingScheduleTest, ReduceScatterThenAllGatherAroundTheRing) {
  const std::vector<RingStep> steps = RingSchedule(0, 3);
  ASSERT_EQ(steps.size(), 4u);
  // Reduce-scatter: send chunk 0 then 2; receive 2 then 1 (added).
  EXPECT_EQ(steps[0].send_chunk, 0u);
  EXPECT_EQ(steps[0].recv_chunk, 2u);
  EXPECT_TRUE(steps[0].reduce);
  EXPECT_EQ(steps[1].send_chunk, 2u);
  EXPECT_EQ(steps[1].recv_chunk, 1u);
  // Rank 0 now owns the full sum of chunk 1 and passes it on.
  EXPECT_EQ(steps[2].send_chunk, 1u);
  EXPECT_EQ(steps[2].recv_chunk, 0u);
  EXPECT_FALSE(steps[2].reduce);
  EXPECT_EQ(steps[3].send_chunk, 0u);
  EXPECT_EQ(steps[3].recv_chunk, 2u);
}

TEST(RingScheduleTest, EachRankReceivesWhatItsPredecessorSends) {
  for (uint32_t n = 2; n <= 6; ++n) {
    for (uint32_t r = 0; r < n; ++r) {
      const auto mine = RingSchedule(r, n);
      const auto prev = RingSchedule((r + n - 1) % n, n);
      ASSERT_EQ(mine.size(), 2u * (n - 1));
      for (size_t s = 0; s < mine.size(); ++s) {
        EXPECT_EQ(mine[s].recv_chunk, prev[s].send_chunk);
      }
    }
  }
}

using testing::FakeRing;

void ExpectExactSums(uint32_t n, size_t count) {
  FakeRing ring(n);
  std::vector<std::vector<float>> data(n, std::vector<float>(count));
  std::vector<absl::Status> status(n);
  std::vector<std::thread> threads;
  for (uint32_t r = 0; r < n; ++r) {
    FillRingInput(r, data[r]);
    threads.emplace_back([&, r] {
      FakeRing::Port port(&ring, r);
      std::vector<float> scratch;
      status[r] = RingAllReduce(r, n, data[r], scratch, port);
    });
  }
  for (auto& t : threads) t.join();
  for (uint32_t r = 0; r < n; ++r) {
    ASSERT_TRUE(status[r].ok()) << status[r];
    EXPECT_EQ(FirstWrongSum(n, data[r]), -1)
        << "rank " << r << " of " << n << ", " << count << " elements";
  }
}

TEST(RingAllReduceTest, SumsExactlyOnTwoRanks) { ExpectExactSums(2, 1001); }
TEST(RingAllReduceTest, SumsExactlyOnThreeRanks) { ExpectExactSums(3, 1000); }
TEST(RingAllReduceTest, SumsExactlyOnFiveRanks) { ExpectExactSums(5, 4099); }
TEST(RingAllReduceTest, SumsWhenSomeChunksAreEmpty) {
  ExpectExactSums(5, 2);
  ExpectExactSums(3, 1);
}

TEST(RingAllReduceTest, ExpectedSumMatchesTheFormula) {
  // 3 ranks: (1 + 2 + 3) + 3 * (i % 7).
  EXPECT_EQ(RingExpectedSum(3, 0), 6.0f);
  EXPECT_EQ(RingExpectedSum(3, 9), 12.0f);
  std::vector<float> wrong = {6.0f, 9.0f, 13.0f};
  EXPECT_EQ(FirstWrongSum(3, wrong), 2);
}

TEST(RingBandwidthTest, FollowsTheNcclTestsConventions) {
  // 1 GB in 10 ms: algbw 100 GB/s; 8 ranks: busbw 175 GB/s.
  EXPECT_DOUBLE_EQ(AlgBandwidthGbps(1000000000, 0.01), 100.0);
  EXPECT_DOUBLE_EQ(AllReduceBusBandwidthGbps(100.0, 8), 175.0);
  // 3 ranks: x 4/3; 2 ranks: x 1; one rank measures no link.
  EXPECT_DOUBLE_EQ(AllReduceBusBandwidthGbps(3.0, 3), 4.0);
  EXPECT_DOUBLE_EQ(AllReduceBusBandwidthGbps(3.0, 2), 3.0);
  EXPECT_DOUBLE_EQ(AllReduceBusBandwidthGbps(3.0, 1), 0.0);
  EXPECT_DOUBLE_EQ(AlgBandwidthGbps(4 << 20, 0.001), 4.194304);
}

TEST(RingSweepTest, SizesGrowByTheFactorUpToTheMaximum) {
  EXPECT_EQ(RingSweepSizes(8, 4 << 20, 4),
            (std::vector<uint64_t>{8, 32, 128, 512, 2048, 8192, 32768, 131072,
                                   524288, 2097152}));
  EXPECT_EQ(RingSweepSizes(8, 8, 2), (std::vector<uint64_t>{8}));
  EXPECT_EQ(RingSweepSizes(1, 9, 2), (std::vector<uint64_t>{4, 8}));
  EXPECT_EQ(RingAverageFloorBytes({8, 2097152, 8388608}), 1u << 20);
  EXPECT_EQ(RingAverageFloorBytes({8, 512}), 512u);
}

}  // namespace
}  // namespace hetsched::agent
