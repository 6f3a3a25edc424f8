#include "cuda_kernels/size_sweep.h"

#include <cstdint>
#include <limits>
#include <vector>

#include "gtest/gtest.h"

namespace hetsched::calibrate {
namespace {

TEST(SizeSweepTest, DefaultSweepIsEightBytesToOneGibibyteByTwo) {
  const std::vector<int64_t> sizes = SizeSweep(8, int64_t{1} << 30, 2);
  ASSERT_EQ(sizes.size(), 28u);  // 2^3 .. 2^30
  EXPECT_EQ(sizes.front(), 8);
  EXPECT_EQ(sizes[1], 16);
  EXPECT_EQ(sizes.back(), int64_t{1} << 30);
}

TEST(SizeSweepTest, StopsAtTheLastSizeNotAboveMax) {
  EXPECT_EQ(SizeSweep(8, 100, 4), (std::vector<int64_t>{8, 32}));
  EXPECT_EQ(SizeSweep(3, 30, 3), (std::vector<int64_t>{3, 9, 27}));
}

TEST(SizeSweepTest, SingleSizeWhenMinEqualsMax) {
  EXPECT_EQ(SizeSweep(64, 64, 2), (std::vector<int64_t>{64}));
}

TEST(SizeSweepTest, InvalidRangesAreEmpty) {
  EXPECT_TRUE(SizeSweep(0, 64, 2).empty());
  EXPECT_TRUE(SizeSweep(128, 64, 2).empty());
  EXPECT_TRUE(SizeSweep(8, 64, 1).empty());
}

TEST(SizeSweepTest, NeverOverflows) {
  const int64_t max = std::numeric_limits<int64_t>::max();
  const std::vector<int64_t> sizes = SizeSweep(1, max, 2);
  ASSERT_EQ(sizes.size(), 63u);  // 2^0 .. 2^62
  EXPECT_EQ(sizes.back(), int64_t{1} << 62);
}

}  // namespace
}  // namespace hetsched::calibrate
