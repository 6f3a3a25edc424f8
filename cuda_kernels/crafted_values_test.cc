#include "cuda_kernels/crafted_values.h"

#include <cstdint>
#include <vector>

#include "gtest/gtest.h"

namespace hetsched::calibrate {
namespace {

TEST(CraftedValuesTest, ValuesAreSmallIntegersCoveringTheRange) {
  std::vector<int> seen(5, 0);
  for (uint64_t i = 0; i < 10000; ++i) {
    const int v = CraftedValue(i, 1);
    ASSERT_GE(v, -2);
    ASSERT_LE(v, 2);
    const int bucket = v + 2;
    ++seen[static_cast<size_t>(bucket)];
  }
  for (int count : seen) EXPECT_GT(count, 1500);  // roughly uniform
}

TEST(CraftedValuesTest, SeedsGiveDifferentMatrices) {
  int differ = 0;
  for (uint64_t i = 0; i < 1000; ++i) {
    differ += CraftedValue(i, 1) != CraftedValue(i, 2) ? 1 : 0;
  }
  EXPECT_GT(differ, 600);
}

TEST(CraftedValuesTest, GemmReferenceMatchesANaiveProductOfTheLayout) {
  // A stored row-major m x k, B stored as n columns of k (the TN layout).
  const int64_t m = 5, n = 3, k = 7;
  for (int64_t row = 0; row < m; ++row) {
    for (int64_t col = 0; col < n; ++col) {
      int64_t want = 0;
      for (int64_t p = 0; p < k; ++p) {
        want += CraftedValue(static_cast<uint64_t>(row * k + p), 1) *
                CraftedValue(static_cast<uint64_t>(col * k + p), 2);
      }
      EXPECT_EQ(CraftedGemmReference(row, col, k, 1, 2), want);
    }
  }
}

TEST(CraftedValuesTest, TransposedInputsGiveDifferentResults) {
  // A wrong layout must not pass verification by accident.
  int differ = 0;
  for (int64_t i = 0; i < 16; ++i) {
    differ += CraftedGemmReference(i, i + 1, 8192, 1, 2) !=
                      CraftedGemmReference(i + 1, i, 8192, 1, 2)
                  ? 1
                  : 0;
  }
  EXPECT_GT(differ, 12);
}

TEST(CraftedValuesTest, TriadIsExact) {
  for (uint64_t i = 0; i < 100; ++i) {
    const float a = TriadB(i) + kTriadScalar * TriadC(i);
    EXPECT_EQ(a, static_cast<float>(static_cast<int>(i % 7) - 3 +
                                    2 * (static_cast<int>(i % 5) - 2)));
  }
}

TEST(CraftedValuesTest, NeighbouringWordsDiffer) {
  for (uint64_t i = 0; i < 1000; ++i) {
    EXPECT_NE(CraftedWord(i), CraftedWord(i + 1));
  }
}

}  // namespace
}  // namespace hetsched::calibrate
