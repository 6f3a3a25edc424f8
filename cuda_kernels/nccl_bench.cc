// NCCL collective sweeps with verified results.
#include "cuda_kernels/nccl_bench.h"

#if HETSCHED_HAVE_NCCL

#include <cuda_runtime_api.h>
#include <nccl.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>

#include "calibration/bus_bandwidth.h"
#include "cuda_kernels/cuda_check.h"
#include "cuda_kernels/cuda_resources.h"
#include "cuda_kernels/fill_kernels.h"
#include "cuda_kernels/size_sweep.h"

namespace hetsched::calibrate {
namespace {

using Clock = std::chrono::steady_clock;

constexpr double kHangTimeoutS = 120.0;
constexpr int64_t kElementBytes = sizeof(float);
constexpr int64_t kWindow = 16;  // elements read back at each sample point

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// One rank driven by this process.
struct LocalRank {
  int device = -1;
  int rank = -1;
  ncclComm_t comm = nullptr;
  internal::Stream stream;
  internal::DeviceBuffer send;
  internal::DeviceBuffer recv;
  internal::DeviceBuffer flag;  // one int for the stop decision
};

// Destroys the communicators on scope exit: ncclCommDestroy after success,
// ncclCommAbort after an error (which never blocks on dead peers).
class Communicators {
 public:
  explicit Communicators(std::vector<LocalRank>* ranks) : ranks_(ranks) {}
  Communicators(const Communicators&) = delete;
  Communicators& operator=(const Communicators&) = delete;
  ~Communicators() {
    for (LocalRank& r : *ranks_) {
      if (r.comm == nullptr) continue;
      if (healthy_) {
        ncclCommDestroy(r.comm);
      } else {
        ncclCommAbort(r.comm);
      }
      r.comm = nullptr;
    }
  }
  void MarkHealthy() { healthy_ = true; }

 private:
  std::vector<LocalRank>* ranks_;
  bool healthy_ = false;
};

class Sweep {
 public:
  Sweep(const NcclParams& params, std::vector<LocalRank>* ranks, int nranks)
      : params_(params), ranks_(*ranks), nranks_(nranks) {}

  Status Init() {
    const int64_t max_count = params_.max_bytes / kElementBytes + 1;
    const size_t bytes = static_cast<size_t>(max_count * kElementBytes);
    for (LocalRank& r : ranks_) {
      HETSCHED_CUDA_RETURN_IF_ERROR(cudaSetDevice(r.device));
      HETSCHED_CAL_RETURN_IF_ERROR(r.stream.Create());
      HETSCHED_CAL_RETURN_IF_ERROR(r.send.Allocate(bytes));
      HETSCHED_CAL_RETURN_IF_ERROR(r.recv.Allocate(bytes));
      HETSCHED_CAL_RETURN_IF_ERROR(r.flag.Allocate(sizeof(int)));
      HETSCHED_CAL_RETURN_IF_ERROR(internal::FillConstant(
          r.send.as<float>(), max_count, static_cast<float>(r.rank + 1),
          r.stream.get()));
    }
    return WaitAll();
  }

  // Enqueues one call of `collective` on every local rank.
  Status Launch(Collective collective, const CollectiveCounts& counts) {
    HETSCHED_NCCL_RETURN_IF_ERROR(ncclGroupStart());
    for (LocalRank& r : ranks_) {
      const size_t send = static_cast<size_t>(counts.send_count);
      const size_t recv = static_cast<size_t>(counts.recv_count);
      switch (collective) {
        case Collective::kAllReduce:
          HETSCHED_NCCL_RETURN_IF_ERROR(
              ncclAllReduce(r.send.get(), r.recv.get(), send, ncclFloat,
                            ncclSum, r.comm, r.stream.get()));
          break;
        case Collective::kAllGather:
          HETSCHED_NCCL_RETURN_IF_ERROR(
              ncclAllGather(r.send.get(), r.recv.get(), send, ncclFloat, r.comm,
                            r.stream.get()));
          break;
        case Collective::kReduceScatter:
          HETSCHED_NCCL_RETURN_IF_ERROR(
              ncclReduceScatter(r.send.get(), r.recv.get(), recv, ncclFloat,
                                ncclSum, r.comm, r.stream.get()));
          break;
      }
    }
    HETSCHED_NCCL_RETURN_IF_ERROR(ncclGroupEnd());
    return OkStatus();
  }

  // Waits for every local stream, polling NCCL for asynchronous errors (a
  // dead peer) as nccl-tests does, and gives up after kHangTimeoutS.
  Status WaitAll() {
    const Clock::time_point start = Clock::now();
    for (LocalRank& r : ranks_) {
      while (true) {
        const cudaError_t state = cudaStreamQuery(r.stream.get());
        if (state == cudaSuccess) break;
        if (state != cudaErrorNotReady) {
          HETSCHED_CUDA_RETURN_IF_ERROR(state);
        }
        if (r.comm != nullptr) {
          ncclResult_t async = ncclSuccess;
          HETSCHED_NCCL_RETURN_IF_ERROR(ncclCommGetAsyncError(r.comm, &async));
          if (async != ncclSuccess && async != ncclInProgress) {
            HETSCHED_NCCL_RETURN_IF_ERROR(async);
          }
        }
        if (SecondsSince(start) > kHangTimeoutS) {
          return DeadlineExceededError(
              "NCCL: a collective did not finish within " +
              std::to_string(static_cast<int>(kHangTimeoutS)) +
              " s (a peer may have died); communicator aborted");
        }
        std::this_thread::yield();
      }
    }
    return OkStatus();
  }

  // True when any rank anywhere wants to stop. Single process: the local
  // decision; multi-process: an all-reduce (max) of every rank's decision.
  Status AgreeToStop(bool local_stop, bool* stop) {
    if (!params_.multi_process) {
      *stop = local_stop;
      return OkStatus();
    }
    const int mine = local_stop ? 1 : 0;
    LocalRank& r = ranks_.front();
    HETSCHED_CUDA_RETURN_IF_ERROR(cudaSetDevice(r.device));
    HETSCHED_CUDA_RETURN_IF_ERROR(
        cudaMemcpyAsync(r.flag.get(), &mine, sizeof(mine),
                        cudaMemcpyHostToDevice, r.stream.get()));
    HETSCHED_NCCL_RETURN_IF_ERROR(ncclAllReduce(r.flag.get(), r.flag.get(), 1,
                                                ncclInt32, ncclMax, r.comm,
                                                r.stream.get()));
    HETSCHED_CAL_RETURN_IF_ERROR(WaitAll());
    int any = 0;
    HETSCHED_CUDA_RETURN_IF_ERROR(
        cudaMemcpy(&any, r.flag.get(), sizeof(any), cudaMemcpyDeviceToHost));
    *stop = any != 0;
    return OkStatus();
  }

  // Reads windows of every local rank's output and compares them with the
  // exact result: sum_r (r+1) = n(n+1)/2 for all-reduce and reduce-scatter;
  // chunk j = j+1 for all-gather.
  Status Verify(Collective collective, const CollectiveCounts& counts,
                bool* ok) {
    const float total = static_cast<float>(nranks_) * (nranks_ + 1) / 2.0f;
    const int64_t n = counts.recv_count;
    std::vector<int64_t> starts = {0, n - kWindow};
    if (collective == Collective::kAllGather) {
      for (int j = 1; j < nranks_ && j <= 64; ++j) {
        starts.push_back(j * counts.send_count - 1);  // chunk boundary
      }
    }
    *ok = n > 0;
    std::vector<float> window(static_cast<size_t>(kWindow));
    for (LocalRank& r : ranks_) {
      for (int64_t start : starts) {
        start = std::max<int64_t>(0, std::min(start, n - kWindow));
        const int64_t len = std::min(kWindow, n - start);
        if (len <= 0) continue;
        HETSCHED_CUDA_RETURN_IF_ERROR(cudaMemcpy(
            window.data(), r.recv.as<float>() + start,
            static_cast<size_t>(len) * sizeof(float), cudaMemcpyDeviceToHost));
        for (int64_t i = 0; i < len; ++i) {
          // All-gather: element start + i came from rank (start + i) /
          // send_count (an integer division on purpose), which sent rank + 1.
          const int64_t source_rank = (start + i) / counts.send_count;
          const float want = collective == Collective::kAllGather
                                 ? static_cast<float>(source_rank + 1)
                                 : total;
          if (window[static_cast<size_t>(i)] != want) *ok = false;
        }
      }
    }
    return OkStatus();
  }

  // Warm-up, then iterations timed on the host clock after all streams
  // are idle (nccl-tests' method); the mean per call.
  Status Measure(Collective collective, const CollectiveCounts& counts,
                 CollectiveSample* sample) {
    for (int i = 0; i < params_.warmup_iterations; ++i) {
      HETSCHED_CAL_RETURN_IF_ERROR(Launch(collective, counts));
    }
    HETSCHED_CAL_RETURN_IF_ERROR(WaitAll());
    const Clock::time_point start = Clock::now();
    for (int i = 0; i < params_.iterations; ++i) {
      HETSCHED_CAL_RETURN_IF_ERROR(Launch(collective, counts));
    }
    HETSCHED_CAL_RETURN_IF_ERROR(WaitAll());
    const double seconds = SecondsSince(start) / params_.iterations;
    sample->bytes = counts.bytes;
    sample->count = counts.send_count;
    sample->time_us = seconds * 1e6;
    sample->algbw_gbps =
        GigabytesPerSecond(static_cast<double>(counts.bytes), seconds);
    sample->busbw_gbps =
        BusBandwidthGbps(collective, nranks_, sample->algbw_gbps);
    return Verify(collective, counts, &sample->verified);
  }

 private:
  const NcclParams& params_;
  std::vector<LocalRank>& ranks_;
  int nranks_;
};

}  // namespace

bool NcclAvailable() { return true; }

int NcclVersion() {
  int version = 0;
  if (ncclGetVersion(&version) != ncclSuccess) return 0;
  return version;
}

Status CreateNcclUniqueId(std::vector<uint8_t>* id) {
  ncclUniqueId unique_id;
  HETSCHED_NCCL_RETURN_IF_ERROR(ncclGetUniqueId(&unique_id));
  id->assign(reinterpret_cast<const uint8_t*>(unique_id.internal),
             reinterpret_cast<const uint8_t*>(unique_id.internal) +
                 NCCL_UNIQUE_ID_BYTES);
  return OkStatus();
}

Status RunNcclBenchmark(const NcclParams& params, NcclReport* report,
                        std::vector<SkippedItem>* skipped) {
  const Clock::time_point start = Clock::now();
  if (params.devices.empty()) return InvalidArgumentError("NCCL: no devices");
  std::vector<LocalRank> ranks(params.devices.size());
  Communicators communicators(&ranks);
  int nranks = static_cast<int>(ranks.size());
  if (params.multi_process) {
    if (params.unique_id.size() != NCCL_UNIQUE_ID_BYTES) {
      return InvalidArgumentError("NCCL: the unique id must be 128 bytes");
    }
    nranks = params.nranks;
    LocalRank& r = ranks.front();
    r.device = params.devices.front();
    r.rank = params.rank;
    ncclUniqueId id;
    std::memcpy(id.internal, params.unique_id.data(), NCCL_UNIQUE_ID_BYTES);
    HETSCHED_CUDA_RETURN_IF_ERROR(cudaSetDevice(r.device));
    HETSCHED_NCCL_RETURN_IF_ERROR(
        ncclCommInitRank(&r.comm, nranks, id, params.rank));
  } else {
    std::vector<ncclComm_t> comms(ranks.size(), nullptr);
    HETSCHED_NCCL_RETURN_IF_ERROR(ncclCommInitAll(
        comms.data(), static_cast<int>(comms.size()), params.devices.data()));
    for (size_t i = 0; i < ranks.size(); ++i) {
      ranks[i].device = params.devices[i];
      ranks[i].rank = static_cast<int>(i);
      ranks[i].comm = comms[i];
    }
  }
  report->ranks = nranks;
  report->first_rank = ranks.front().rank;
  report->devices = params.devices;

  Sweep sweep(params, &ranks, nranks);
  HETSCHED_CAL_RETURN_IF_ERROR(sweep.Init());
  const std::vector<int64_t> sizes =
      SizeSweep(params.min_bytes, params.max_bytes, params.step_factor);
  bool stopped = false;
  for (Collective collective : {Collective::kAllReduce, Collective::kAllGather,
                                Collective::kReduceScatter}) {
    CollectiveResult result;
    result.collective = collective;
    result.verified = true;
    for (int64_t size : sizes) {
      if (!stopped) {
        HETSCHED_CAL_RETURN_IF_ERROR(sweep.AgreeToStop(
            SecondsSince(start) >= params.seconds_left, &stopped));
      }
      if (stopped) {
        skipped->push_back(SkippedItem{"nccl",
                                       std::string(CollectiveName(collective)) +
                                           " from " + std::to_string(size) +
                                           " bytes",
                                       -1, "time budget exceeded"});
        break;
      }
      const CollectiveCounts counts =
          CollectiveBufferCounts(collective, size, nranks, kElementBytes);
      if (counts.bytes == 0) continue;  // fewer elements than ranks
      CollectiveSample sample;
      HETSCHED_CAL_RETURN_IF_ERROR(sweep.Measure(collective, counts, &sample));
      result.verified = result.verified && sample.verified;
      result.samples.push_back(sample);
    }
    report->collectives.push_back(std::move(result));
  }
  communicators.MarkHealthy();
  return OkStatus();
}

}  // namespace hetsched::calibrate

#else  // !HETSCHED_HAVE_NCCL

namespace hetsched::calibrate {

bool NcclAvailable() { return false; }
int NcclVersion() { return 0; }

Status RunNcclBenchmark(const NcclParams&, NcclReport*,
                        std::vector<SkippedItem>*) {
  return UnimplementedError("built without NCCL");
}

Status CreateNcclUniqueId(std::vector<uint8_t>*) {
  return UnimplementedError("built without NCCL");
}

}  // namespace hetsched::calibrate

#endif  // HETSCHED_HAVE_NCCL
