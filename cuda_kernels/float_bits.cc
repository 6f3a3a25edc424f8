// Decodes bf16 and fp16 bit patterns.
#include "cuda_kernels/float_bits.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace hetsched::calibrate {

float Bf16BitsToFloat(uint16_t bits) {
  // bf16 is the upper half of an IEEE fp32.
  const uint32_t wide = static_cast<uint32_t>(bits) << 16;
  float value;
  std::memcpy(&value, &wide, sizeof(value));
  return value;
}

float Fp16BitsToFloat(uint16_t bits) {
  const bool negative = (bits & 0x8000u) != 0;
  const int exponent = (bits >> 10) & 0x1F;
  const int mantissa = bits & 0x3FF;
  float magnitude;
  if (exponent == 0) {  // zero or subnormal
    magnitude = std::ldexp(static_cast<float>(mantissa), -24);
  } else if (exponent == 0x1F) {
    magnitude = mantissa == 0 ? std::numeric_limits<float>::infinity()
                              : std::numeric_limits<float>::quiet_NaN();
  } else {
    magnitude = std::ldexp(static_cast<float>(mantissa + 1024), exponent - 25);
  }
  return negative ? -magnitude : magnitude;
}

}  // namespace hetsched::calibrate
