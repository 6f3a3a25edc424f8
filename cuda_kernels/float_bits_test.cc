#include "cuda_kernels/float_bits.h"

#include <cmath>

#include "gtest/gtest.h"

namespace hetsched::calibrate {
namespace {

TEST(FloatBitsTest, DecodesBf16) {
  EXPECT_EQ(Bf16BitsToFloat(0x3F80), 1.0f);
  EXPECT_EQ(Bf16BitsToFloat(0xC000), -2.0f);
  EXPECT_EQ(Bf16BitsToFloat(0x4396), 300.0f);
  EXPECT_TRUE(std::isnan(Bf16BitsToFloat(0xFFFF)));
}

TEST(FloatBitsTest, DecodesFp16) {
  EXPECT_EQ(Fp16BitsToFloat(0x3C00), 1.0f);
  EXPECT_EQ(Fp16BitsToFloat(0xC000), -2.0f);
  EXPECT_EQ(Fp16BitsToFloat(0x7BFF), 65504.0f);
  EXPECT_EQ(Fp16BitsToFloat(0x0001), std::ldexp(1.0f, -24));  // subnormal
  EXPECT_EQ(Fp16BitsToFloat(0x8000), -0.0f);
  EXPECT_TRUE(std::isinf(Fp16BitsToFloat(0x7C00)));
  EXPECT_TRUE(std::isnan(Fp16BitsToFloat(0xFFFF)));
}

}  // namespace
}  // namespace hetsched::calibrate
