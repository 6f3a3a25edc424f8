// Bandwidth and throughput formulas (nccl-tests conventions).
#include "calibration/bus_bandwidth.h"

#include <cmath>

#include "calibration/enum_names.h"

namespace hetsched::calibrate {

const char* CollectiveName(Collective collective) {
  switch (collective) {
    case Collective::kAllReduce:
      return "all_reduce";
    case Collective::kAllGather:
      return "all_gather";
    case Collective::kReduceScatter:
      return "reduce_scatter";
  }
  return "unknown";
}

bool ParseCollective(std::string_view name, Collective* collective) {
  static constexpr Collective kAll[] = {Collective::kAllReduce,
                                        Collective::kAllGather,
                                        Collective::kReduceScatter};
  return ParseEnumName(name, kAll, CollectiveName, collective);
}

double GigabytesPerSecond(double bytes, double seconds) {
  if (!(seconds > 0.0)) return std::nan("");
  return bytes / seconds / 1e9;
}

double BusBandwidthFactor(Collective collective, int ranks) {
  if (ranks < 1) return 0.0;
  const double n = static_cast<double>(ranks);
  switch (collective) {
    case Collective::kAllReduce:
      return 2.0 * (n - 1.0) / n;
    case Collective::kAllGather:
    case Collective::kReduceScatter:
      return (n - 1.0) / n;
  }
  return 0.0;
}

double BusBandwidthGbps(Collective collective, int ranks, double algbw_gbps) {
  return algbw_gbps * BusBandwidthFactor(collective, ranks);
}

double GemmTflops(int64_t m, int64_t n, int64_t k, double seconds) {
  if (!(seconds > 0.0)) return std::nan("");
  return 2.0 * static_cast<double>(m) * static_cast<double>(n) *
         static_cast<double>(k) / seconds / 1e12;
}

CollectiveCounts CollectiveBufferCounts(Collective collective,
                                        int64_t requested_bytes, int ranks,
                                        int64_t element_bytes) {
  CollectiveCounts counts;
  if (ranks < 1 || element_bytes < 1 || requested_bytes < element_bytes) {
    return counts;
  }
  const int64_t total = requested_bytes / element_bytes;
  switch (collective) {
    case Collective::kAllReduce:
      counts.send_count = total;
      counts.recv_count = total;
      counts.bytes = total * element_bytes;
      break;
    case Collective::kAllGather: {
      const int64_t per_rank = total / ranks;
      counts.send_count = per_rank;
      counts.recv_count = per_rank * ranks;
      counts.bytes = per_rank * ranks * element_bytes;
      break;
    }
    case Collective::kReduceScatter: {
      const int64_t per_rank = total / ranks;
      counts.send_count = per_rank * ranks;
      counts.recv_count = per_rank;
      counts.bytes = per_rank * ranks * element_bytes;
      break;
    }
  }
  if (counts.bytes == 0) counts = CollectiveCounts();
  return counts;
}

}  // namespace hetsched::calibrate
