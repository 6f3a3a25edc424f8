// The ring all-reduce of the agents' TCP interconnect test, as pure code:
// how a buffer is cut into chunks, which chunk each rank sends and receives
// at each step, the reduction, the crafted inputs whose sum is known
// exactly, and the nccl-tests bandwidth formulas. The bytes move through a
// RingTransport (TCP between agents, an in-memory fake in tests). No
// sockets, threads or clocks here; thread-compatible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"

namespace hetsched::agent {

// Elements [offset, offset + count) of a buffer.
struct RingChunk {
  size_t offset = 0;
  size_t count = 0;
};

// Chunk `c` of `n` over `count` elements: the first count % n chunks hold
// one element more, so chunks differ by at most one (some may be empty).
RingChunk RingChunkOf(size_t count, uint32_t n, uint32_t c);

struct RingStep {
  uint32_t send_chunk = 0;
  uint32_t recv_chunk = 0;
  bool reduce = false;  // add what arrives (reduce-scatter) or copy it
};

// Rank r's 2(n-1) steps: n-1 reduce-scatter steps (step s sends chunk
// r-s and adds the received chunk r-s-1), after which rank r holds the
// complete sum of chunk r+1; then n-1 all-gather steps (step s sends chunk
// r+1-s and stores the received chunk r-s). All indices mod n. Each step
// sends to rank r+1 and receives from rank r-1.
std::vector<RingStep> RingSchedule(uint32_t rank, uint32_t n);

class RingTransport {
 public:
  virtual ~RingTransport() = default;
  // Sends `send` to the next rank while receiving exactly recv.size() bytes
  // from the previous one; both must finish (either may be empty).
  virtual absl::Status SendRecv(absl::Span<const char> send,
                                absl::Span<char> recv) = 0;
};

// In-place float32 sum over the ring, as rank `rank` of `n`. `scratch`
// is resized as needed (reused between calls to avoid allocation).
absl::Status RingAllReduce(uint32_t rank, uint32_t n, std::vector<float>& data,
                           std::vector<float>& scratch,
                           RingTransport& transport);

// Rank r's input: element i is (r + 1) + (i % 7), so the sum over n ranks
// is n(n+1)/2 + n(i % 7): small integers, exact in float32.
void FillRingInput(uint32_t rank, std::vector<float>& data);
float RingExpectedSum(uint32_t n, size_t i);
// Every element compared; the index of the first wrong one, or -1.
int64_t FirstWrongSum(uint32_t n, const std::vector<float>& data);

// nccl-tests conventions: algbw = bytes / time in decimal GB/s; all-reduce
// busbw = algbw * 2(n-1)/n (0 for one rank).
double AlgBandwidthGbps(uint64_t bytes, double seconds);
double AllReduceBusBandwidthGbps(double algbw_gbps, uint32_t n);

// min, min*f, min*f^2, ... up to and including max (sizes rounded down to
// whole float32 elements, at least one).
std::vector<uint64_t> RingSweepSizes(uint64_t min_bytes, uint64_t max_bytes,
                                     uint32_t step_factor);
// The floor of the average: min(1 MiB, the largest size), so a sweep always
// averages at least one size and a long sweep only its large sizes.
uint64_t RingAverageFloorBytes(const std::vector<uint64_t>& sizes);

}  // namespace hetsched::agent
