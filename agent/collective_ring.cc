#include "agent/collective_ring.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace hetsched::agent {

RingChunk RingChunkOf(size_t count, uint32_t n, uint32_t c) {
  const size_t base = count / n;
  const size_t extra = count % n;
  RingChunk chunk;
  chunk.offset = c * base + std::min<size_t>(c, extra);
  chunk.count = base + (c < extra ? 1 : 0);
  return chunk;
}

std::vector<RingStep> RingSchedule(uint32_t rank, uint32_t n) {
  std::vector<RingStep> steps;
  if (n < 2) return steps;
  auto mod = [n](int64_t v) {
    return static_cast<uint32_t>(((v % n) + n) % n);
  };
  for (uint32_t s = 0; s + 1 < n; ++s) {
    steps.push_back({mod(int64_t{rank} - s), mod(int64_t{rank} - s - 1), true});
  }
  for (uint32_t s = 0; s + 1 < n; ++s) {
    steps.push_back(
        {mod(int64_t{rank} + 1 - s), mod(int64_t{rank} - s), false});
  }
  return steps;
}

absl::Status RingAllReduce(uint32_t rank, uint32_t n, std::vector<float>& data,
                           std::vector<float>& scratch,
                           RingTransport& transport) {
  if (n == 0 || rank >= n) {
    return absl::InvalidArgumentError(
        absl::StrCat("rank: ", rank, " is not below nranks ", n));
  }
  const size_t count = data.size();
  const size_t largest = RingChunkOf(count, n, 0).count;
  if (scratch.size() < largest) scratch.resize(largest);
  for (const RingStep& step : RingSchedule(rank, n)) {
    const RingChunk out = RingChunkOf(count, n, step.send_chunk);
    const RingChunk in = RingChunkOf(count, n, step.recv_chunk);
    auto send = absl::MakeConstSpan(
        reinterpret_cast<const char*>(data.data() + out.offset),
        out.count * sizeof(float));
    float* target = step.reduce ? scratch.data() : data.data() + in.offset;
    auto recv = absl::MakeSpan(reinterpret_cast<char*>(target),
                               in.count * sizeof(float));
    if (absl::Status s = transport.SendRecv(send, recv); !s.ok()) return s;
    if (step.reduce) {
      float* dst = data.data() + in.offset;
      for (size_t i = 0; i < in.count; ++i) dst[i] += scratch[i];
    }
  }
  return absl::OkStatus();
}

void FillRingInput(uint32_t rank, std::vector<float>& data) {
  for (size_t i = 0; i < data.size(); ++i) {
    data[i] = static_cast<float>(rank + 1 + i % 7);
  }
}

float RingExpectedSum(uint32_t n, size_t i) {
  // n(n+1) is even: the division is exact, done in integers on purpose.
  const uint64_t sum = uint64_t{n} * (n + 1) / 2 + uint64_t{n} * (i % 7);
  return static_cast<float>(sum);
}

int64_t FirstWrongSum(uint32_t n, const std::vector<float>& data) {
  for (size_t i = 0; i < data.size(); ++i) {
    if (data[i] != RingExpectedSum(n, i)) return static_cast<int64_t>(i);
  }
  return -1;
}

double AlgBandwidthGbps(uint64_t bytes, double seconds) {
  return seconds > 0 ? static_cast<double>(bytes) / seconds / 1e9 : 0;
}

double AllReduceBusBandwidthGbps(double algbw_gbps, uint32_t n) {
  if (n < 2) return 0;
  return algbw_gbps * 2.0 * (n - 1) / n;
}

std::vector<uint64_t> RingSweepSizes(uint64_t min_bytes, uint64_t max_bytes,
                                     uint32_t step_factor) {
  std::vector<uint64_t> sizes;
  const uint64_t factor = std::max<uint32_t>(step_factor, 2);
  for (uint64_t b = std::max<uint64_t>(min_bytes, 1); b <= max_bytes;) {
    const uint64_t rounded =
        std::max<uint64_t>(b / sizeof(float), 1) * sizeof(float);
    if (sizes.empty() || sizes.back() != rounded) sizes.push_back(rounded);
    if (b > max_bytes / factor) break;
    b *= factor;
  }
  return sizes;
}

uint64_t RingAverageFloorBytes(const std::vector<uint64_t>& sizes) {
  const uint64_t largest = sizes.empty() ? 0 : sizes.back();
  return std::min<uint64_t>(uint64_t{1} << 20, largest);
}

}  // namespace hetsched::agent
