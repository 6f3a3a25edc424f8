// The GEMM data types hetsched-calibrate measures, which devices support
// them, and how close a result must be to the exact reference.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace hetsched::calibrate {

// bf16, fp16: 16-bit inputs and output, fp32 accumulate.
// tf32: fp32 inputs and output, tensor cores round inputs to tf32.
// fp8_e4m3: e4m3 inputs, bf16 output, fp32 accumulate.
enum class GemmDtype { kBf16, kFp16, kTf32, kFp8E4m3 };

// The order in which the GEMM section runs them.
std::vector<GemmDtype> AllGemmDtypes();

// "bf16", "fp16", "tf32", "fp8_e4m3".
const char* GemmDtypeName(GemmDtype dtype);
bool ParseGemmDtype(std::string_view name, GemmDtype* dtype);

// fp8 needs compute capability >= 8.9 (Ada, Hopper and later); the others
// need >= 8.0 (Ampere), as does bf16.
bool GemmDtypeSupported(GemmDtype dtype, int cc_major, int cc_minor);
// The smallest compute capability, as "8.9", for a message.
const char* GemmDtypeMinComputeCapability(GemmDtype dtype);

// Largest accepted |result - reference| for an exact integer reference of
// a k-term dot product of the crafted inputs: two units in the last place of
// the output type (bf16 for fp8) at the reference's magnitude, plus
// sqrt(k) * 2^(6 - significand bits) for split-K algorithms that round
// partial sums to the output type (sqrt(k)/4 for bf16, ~0 for fp32). A wrong
// layout, a missing operand or stale memory misses by about 2*sqrt(2k).
double GemmTolerance(GemmDtype dtype, double reference, int64_t k);

}  // namespace hetsched::calibrate
