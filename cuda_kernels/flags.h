// Command-line flags of hetsched-calibrate and their validation.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "calibration/status.h"

namespace hetsched::calibrate {

enum class Section { kGemm, kMemory, kHost, kPeer, kNccl };

// The order sections run in.
std::vector<Section> AllSections();
// "gemm", "memory", "host", "peer", "nccl".
const char* SectionName(Section section);
bool ParseSection(std::string_view name, Section* section);

struct CalibrateOptions {
  std::vector<int> devices;                       // empty: every visible device
  std::vector<Section> sections = AllSections();  // in AllSections() order
  int64_t gemm_size = 8192;
  int iterations = 20;
  int warmup_iterations = 5;
  int64_t memory_bytes = int64_t{4} << 30;
  int64_t host_bytes = int64_t{256} << 20;
  int64_t peer_bytes = int64_t{256} << 20;
  int64_t min_bytes = 8;
  int64_t max_bytes = int64_t{1} << 30;
  int64_t step_factor = 2;
  int64_t avg_busbw_min_bytes = int64_t{64} << 20;
  double time_budget_s = 100.0;

  // Multi-process NCCL (one GPU per process, across hosts): set together.
  std::string nccl_unique_id_hex;  // 256 hex digits from --print-unique-id
  int rank = -1;
  int nranks = 0;
  // HOST:PORT of rank 0's bootstrap root; exported as NCCL_COMM_ID.
  std::string nccl_root;

  bool print_unique_id = false;
  bool help = false;

  bool multi_process() const { return !nccl_unique_id_hex.empty(); }
};

// Parses argv[1..] (both "--flag value" and "--flag=value"). Byte sizes take
// an optional K, M, G or T suffix (powers of 1024, as nccl-tests). Returns
// INVALID_ARGUMENT whose message starts with the offending flag.
Status ParseFlags(const std::vector<std::string>& args,
                  CalibrateOptions* options);

// Parses "8", "64K", "1G" into bytes; false on junk or overflow.
bool ParseByteSize(std::string_view text, int64_t* bytes);

// The --help text.
std::string UsageText();

}  // namespace hetsched::calibrate
