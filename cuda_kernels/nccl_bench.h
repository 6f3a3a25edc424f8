// NCCL collective sweeps (all-reduce, all-gather, reduce-scatter, float
// sum, out-of-place) in nccl-tests' conventions, either over this process's
// GPUs (ncclCommInitAll, group calls from one thread) or as one rank of a
// multi-process communicator across hosts (ncclCommInitRank). Rank r's
// input is all r+1, so every output element is known exactly and sampled
// outputs are checked. Plain C++ interface (no CUDA or NCCL types).
// Not thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "calibration/calibration_report.h"
#include "calibration/status.h"
#include "cuda_kernels/calibration_backend.h"

namespace hetsched::calibrate {

// True when built against NCCL (HETSCHED_HAVE_NCCL).
bool NcclAvailable();
// ncclGetVersion(), e.g. 22809; 0 without NCCL.
int NcclVersion();

// Fills report->ranks, first_rank, devices and collectives (samples and
// verified; not avg_busbw_gbps, mode or note). Sizes not started within
// params.seconds_left are appended to `skipped`; in multi-process mode the
// ranks agree on when to stop (an all-reduce of the decision), so no rank
// is left waiting in a collective the others skipped. A collective that
// does not complete within 120 s (a peer died) aborts the communicator and
// returns DEADLINE_EXCEEDED.
Status RunNcclBenchmark(const NcclParams& params, NcclReport* report,
                        std::vector<SkippedItem>* skipped);

// A fresh ncclUniqueId (128 bytes). When NCCL_COMM_ID (HOST:PORT) is set
// the id names that address and rank 0 starts the bootstrap root at init;
// otherwise NCCL starts the root inside this process, and the id is useless
// once the process exits, so callers that exit must set NCCL_COMM_ID.
Status CreateNcclUniqueId(std::vector<uint8_t>* id);

}  // namespace hetsched::calibrate
