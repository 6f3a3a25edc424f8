#include "calibration/bus_bandwidth.h"

#include <cmath>

#include "gtest/gtest.h"

namespace hetsched::calibrate {
namespace {

TEST(BusBandwidthTest, AllReduceEightRanksMatchesHandComputedValues) {
  // 1 GB in 10 ms: algbw 100 GB/s; busbw 100 * 2 * 7 / 8 = 175 GB/s.
  const double algbw = GigabytesPerSecond(1e9, 0.010);
  EXPECT_DOUBLE_EQ(algbw, 100.0);
  EXPECT_DOUBLE_EQ(BusBandwidthGbps(Collective::kAllReduce, 8, algbw), 175.0);
}

TEST(BusBandwidthTest, AllGatherAndReduceScatterUseNMinusOneOverN) {
  EXPECT_DOUBLE_EQ(BusBandwidthGbps(Collective::kAllGather, 8, 100.0), 87.5);
  EXPECT_DOUBLE_EQ(BusBandwidthGbps(Collective::kReduceScatter, 4, 100.0),
                   75.0);
  EXPECT_DOUBLE_EQ(BusBandwidthFactor(Collective::kAllReduce, 2), 1.0);
}

TEST(BusBandwidthTest, SingleRankHasZeroBusBandwidth) {
  for (Collective c : {Collective::kAllReduce, Collective::kAllGather,
                       Collective::kReduceScatter}) {
    EXPECT_EQ(BusBandwidthFactor(c, 1), 0.0) << CollectiveName(c);
  }
}

TEST(BusBandwidthTest, NonPositiveTimeIsNotANumber) {
  EXPECT_TRUE(std::isnan(GigabytesPerSecond(1e9, 0.0)));
  EXPECT_TRUE(std::isnan(GemmTflops(8192, 8192, 8192, -1.0)));
}

TEST(BusBandwidthTest, GemmTflopsCountsTwoFlopsPerMultiplyAdd) {
  // 2 * 8192^3 = 1.0995e12 flop in 1.4 ms.
  EXPECT_NEAR(GemmTflops(8192, 8192, 8192, 1.4e-3), 785.4, 0.1);
  EXPECT_DOUBLE_EQ(GemmTflops(1000, 1000, 1000, 1e-3), 2.0);
}

TEST(BusBandwidthTest, CollectiveNamesRoundTrip) {
  for (Collective c : {Collective::kAllReduce, Collective::kAllGather,
                       Collective::kReduceScatter}) {
    Collective parsed = Collective::kAllReduce;
    ASSERT_TRUE(ParseCollective(CollectiveName(c), &parsed));
    EXPECT_EQ(parsed, c);
  }
  Collective unused;
  EXPECT_FALSE(ParseCollective("broadcast", &unused));
}

TEST(BusBandwidthTest, AllReduceCountsAreTheWholeBuffer) {
  const CollectiveCounts c =
      CollectiveBufferCounts(Collective::kAllReduce, 1024, 8, 4);
  EXPECT_EQ(c.send_count, 256);
  EXPECT_EQ(c.recv_count, 256);
  EXPECT_EQ(c.bytes, 1024);
}

TEST(BusBandwidthTest, AllGatherSendsOneChunkAndReceivesAll) {
  // 100 bytes = 25 floats, rounded down to 24 for 8 ranks: 3 each.
  const CollectiveCounts c =
      CollectiveBufferCounts(Collective::kAllGather, 100, 8, 4);
  EXPECT_EQ(c.send_count, 3);
  EXPECT_EQ(c.recv_count, 24);
  EXPECT_EQ(c.bytes, 96);
}

TEST(BusBandwidthTest, ReduceScatterSendsAllAndReceivesOneChunk) {
  const CollectiveCounts c =
      CollectiveBufferCounts(Collective::kReduceScatter, 1 << 20, 4, 4);
  EXPECT_EQ(c.send_count, 262144);
  EXPECT_EQ(c.recv_count, 65536);
  EXPECT_EQ(c.bytes, 1 << 20);
}

TEST(BusBandwidthTest, TooSmallForEveryRankGivesZeroBytes) {
  // 8 bytes = 2 floats cannot give 8 ranks one element each.
  EXPECT_EQ(CollectiveBufferCounts(Collective::kAllGather, 8, 8, 4).bytes, 0);
  EXPECT_EQ(CollectiveBufferCounts(Collective::kAllReduce, 2, 1, 4).bytes, 0);
  EXPECT_EQ(CollectiveBufferCounts(Collective::kAllReduce, 8, 8, 4).bytes, 8);
}

}  // namespace
}  // namespace hetsched::calibrate
