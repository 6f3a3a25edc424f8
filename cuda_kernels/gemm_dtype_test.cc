#include "cuda_kernels/gemm_dtype.h"

#include <cmath>

#include "gtest/gtest.h"

namespace hetsched::calibrate {
namespace {

TEST(GemmDtypeTest, Fp8NeedsComputeCapability89) {
  EXPECT_FALSE(GemmDtypeSupported(GemmDtype::kFp8E4m3, 8, 0));  // A100
  EXPECT_FALSE(GemmDtypeSupported(GemmDtype::kFp8E4m3, 8, 6));
  EXPECT_TRUE(GemmDtypeSupported(GemmDtype::kFp8E4m3, 8, 9));  // L4, L40
  EXPECT_TRUE(GemmDtypeSupported(GemmDtype::kFp8E4m3, 9, 0));  // H100
  EXPECT_TRUE(GemmDtypeSupported(GemmDtype::kFp8E4m3, 10, 0));
}

TEST(GemmDtypeTest, Bf16NeedsAmpere) {
  EXPECT_FALSE(GemmDtypeSupported(GemmDtype::kBf16, 7, 5));
  EXPECT_TRUE(GemmDtypeSupported(GemmDtype::kBf16, 8, 0));
}

TEST(GemmDtypeTest, NamesRoundTrip) {
  for (GemmDtype d : AllGemmDtypes()) {
    GemmDtype parsed = GemmDtype::kBf16;
    ASSERT_TRUE(ParseGemmDtype(GemmDtypeName(d), &parsed));
    EXPECT_EQ(parsed, d);
  }
}

TEST(GemmDtypeTest, ToleranceAllowsOutputRoundingOnly) {
  // bf16 has 8 significand bits: 301 rounds to 300 or 302 (ulp 2 in
  // [256, 512)); |r| / 64 allows that.
  EXPECT_GE(GemmTolerance(GemmDtype::kBf16, 301.0, 0), 1.0);
  EXPECT_LT(GemmTolerance(GemmDtype::kBf16, 301.0, 0), 10.0);
  EXPECT_EQ(GemmTolerance(GemmDtype::kBf16, 0.0, 0), 0.0);
  // fp32 output (tf32) is exact for these integers.
  EXPECT_LT(GemmTolerance(GemmDtype::kTf32, 30000.0, 8192), 0.01);
  EXPECT_LT(GemmTolerance(GemmDtype::kFp16, 2000.0, 8192), 7.0);
}

TEST(GemmDtypeTest, ToleranceStaysFarBelowTheErrorOfAWrongResult) {
  // A wrong result misses by about 2*sqrt(2k) (~256 at k = 8192); the
  // split-K allowance for bf16 is sqrt(k)/4 (~23).
  const double k = 8192;
  const double wrong = 2.0 * std::sqrt(2.0 * k);
  EXPECT_LT(GemmTolerance(GemmDtype::kBf16, 0.0, 8192) * 8, wrong);
  EXPECT_LT(GemmTolerance(GemmDtype::kFp8E4m3, 200.0, 8192) * 5, wrong);
  EXPECT_GT(GemmTolerance(GemmDtype::kBf16, 0.0, 8192), 20.0);
}

}  // namespace
}  // namespace hetsched::calibrate
