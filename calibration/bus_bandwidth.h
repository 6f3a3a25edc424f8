// Bandwidth and throughput formulas, with nccl-tests' conventions for
// collectives: algbw = bytes / time in decimal GB/s (1e9 bytes/s), and
// busbw = algbw * 2(n-1)/n for all-reduce, algbw * (n-1)/n for all-gather
// and reduce-scatter, n = ranks. "bytes" is nccl-tests' size column: the
// whole buffer (all-reduce: the buffer each rank reduces; all-gather: the
// gathered output; reduce-scatter: the input that is scattered).
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

namespace hetsched::calibrate {

enum class Collective { kAllReduce, kAllGather, kReduceScatter };

// "all_reduce", "all_gather", "reduce_scatter".
const char* CollectiveName(Collective collective);
// Inverse of CollectiveName; false for an unknown name.
bool ParseCollective(std::string_view name, Collective* collective);

// bytes / seconds / 1e9; NaN unless seconds > 0.
double GigabytesPerSecond(double bytes, double seconds);

// The factor that turns algbw into busbw for `ranks` ranks; 0 for one rank
// (a single-rank collective moves nothing over any link).
double BusBandwidthFactor(Collective collective, int ranks);

// algbw_gbps * BusBandwidthFactor(collective, ranks).
double BusBandwidthGbps(Collective collective, int ranks, double algbw_gbps);

// 2*m*n*k / seconds / 1e12; NaN unless seconds > 0.
double GemmTflops(int64_t m, int64_t n, int64_t k, double seconds);

// Element counts of one collective call as nccl-tests sizes it: the total
// count is bytes / element_bytes, rounded down to a multiple of `ranks` for
// all-gather and reduce-scatter. `bytes` is the size that call really moves
// (the size column), 0 when the request is too small to give every rank one
// element.
struct CollectiveCounts {
  int64_t send_count = 0;  // elements each rank sends
  int64_t recv_count = 0;  // elements each rank receives
  int64_t bytes = 0;       // the size algbw is computed from
};
CollectiveCounts CollectiveBufferCounts(Collective collective,
                                        int64_t requested_bytes, int ranks,
                                        int64_t element_bytes);

}  // namespace hetsched::calibrate
