// Crafted benchmark inputs whose correct outputs are known exactly, so every
// result is checked rather than trusted (as nccl-tests' verifiable/ does).
// The same inline functions fill buffers on the device (the .cu files include
// this header) and compute references on the host. No CUDA types; pure;
// thread-safe.
#pragma once

#include <cstdint>

#if defined(__CUDACC__)
#define HETSCHED_CAL_HOST_DEVICE __host__ __device__
#else
#define HETSCHED_CAL_HOST_DEVICE
#endif

namespace hetsched::calibrate {

// A small integer in [-2, 2], a deterministic hash (splitmix64) of the
// element's linear index and a per-matrix seed. Products of two such values
// summed over k <= 2^22 terms stay below 2^24, so an fp32 accumulator holds
// them exactly, and every value is exact in fp8 e4m3, fp16, bf16 and tf32.
HETSCHED_CAL_HOST_DEVICE inline int CraftedValue(uint64_t index,
                                                 uint64_t seed) {
  uint64_t z = index + (seed + 1) * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return static_cast<int>(z % 5) - 2;
}

// A 32-bit word that differs between neighbouring indices: the pattern for
// copies (device-to-device, host-device, peer).
HETSCHED_CAL_HOST_DEVICE inline uint32_t CraftedWord(uint64_t index) {
  return static_cast<uint32_t>(index * 2654435761ull) ^ 0xA5A5A5A5u;
}

// Triad inputs: b[i] and c[i] are small integers and the scalar is 2, so
// a[i] = b[i] + 2 * c[i] is exact in fp32.
HETSCHED_CAL_HOST_DEVICE inline float TriadB(uint64_t index) {
  return static_cast<float>(static_cast<int>(index % 7) - 3);
}
HETSCHED_CAL_HOST_DEVICE inline float TriadC(uint64_t index) {
  return static_cast<float>(static_cast<int>(index % 5) - 2);
}
constexpr float kTriadScalar = 2.0f;

// The GEMM layout used for every dtype is cuBLASLt's "TN": A is stored as
// m rows of k contiguous values (A[row * k + p]), B as n columns of k
// contiguous values (B[col * k + p]), D column-major (D[row + col * m]).
// Returns the exact D(row, col) = sum_p A(row, p) * B(p, col) for matrices
// filled with CraftedValue(linear index, seed).
int64_t CraftedGemmReference(int64_t row, int64_t col, int64_t k,
                             uint64_t seed_a, uint64_t seed_b);

}  // namespace hetsched::calibrate
