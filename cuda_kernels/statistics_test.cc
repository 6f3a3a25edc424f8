#include "cuda_kernels/statistics.h"

#include <cmath>

#include "gtest/gtest.h"

namespace hetsched::calibrate {
namespace {

TEST(StatisticsTest, MedianOfOddCountIsTheMiddleValue) {
  EXPECT_DOUBLE_EQ(Median({5.0, 1.0, 3.0}), 3.0);
  EXPECT_DOUBLE_EQ(Median({7.0}), 7.0);
}

TEST(StatisticsTest, MedianOfEvenCountAveragesTheMiddlePair) {
  EXPECT_DOUBLE_EQ(Median({4.0, 1.0, 3.0, 2.0}), 2.5);
  EXPECT_DOUBLE_EQ(Median({1.0, 100.0}), 50.5);
}

TEST(StatisticsTest, MedianIgnoresOutliers) {
  EXPECT_DOUBLE_EQ(Median({1.0, 1.1, 1.2, 1000.0, 1.05}), 1.1);
}

TEST(StatisticsTest, EmptyInputIsNotANumber) {
  EXPECT_TRUE(std::isnan(Median({})));
  EXPECT_TRUE(std::isnan(Mean({})));
}

TEST(StatisticsTest, MeanAveragesAllValues) {
  EXPECT_DOUBLE_EQ(Mean({1.0, 2.0, 6.0}), 3.0);
}

}  // namespace
}  // namespace hetsched::calibrate
