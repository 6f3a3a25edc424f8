// Decodes 16-bit floating-point bit patterns (bf16, IEEE fp16) on the host,
// to check GEMM outputs copied back from the device without depending on
// CUDA's headers. Pure functions; thread-safe.
#pragma once

#include <cstdint>

namespace hetsched::calibrate {

float Bf16BitsToFloat(uint16_t bits);
float Fp16BitsToFloat(uint16_t bits);

}  // namespace hetsched::calibrate
