#include "cuda_kernels/gemm_dtype.h"

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
  // [256, 512)); a tolerance of |r| / 64 allows that, not an error of 10.
  EXPECT_GE(GemmTolerance(GemmDtype::kBf16, 301.0), 1.0);
  EXPECT_LT(GemmTolerance(GemmDtype::kBf16, 301.0), 10.0);
  EXPECT_EQ(GemmTolerance(GemmDtype::kBf16, 0.0), 0.0);
  // fp32 output (tf32) is exact for these integers.
  EXPECT_LT(GemmTolerance(GemmDtype::kTf32, 30000.0), 0.01);
  EXPECT_LT(GemmTolerance(GemmDtype::kFp16, 2000.0), 4.0);
}

}  // namespace
}  // namespace hetsched::calibrate
