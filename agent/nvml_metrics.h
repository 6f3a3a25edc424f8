// Per-GPU health figures from NVML for the agent's metrics: utilization,
// memory, temperature, power, volatile ECC counts and the last XID error.
// NVML is loaded with dlopen at run time (the agent never links the
// driver); without the library, or when NVML fails to start, the sampler
// is simply unavailable and samples nothing.
// Thread-safe: Sample() may be called from any thread (calls serialized).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace hetsched::agent {

struct GpuSample {
  unsigned int index = 0;  // NVML index, as device_indices and discovery use
  std::string uuid;
  std::string kind;  // catalogue kind, "nvidia/h100"
  // Each figure is absent when NVML does not support it on this device.
  std::optional<double> utilization_ratio;  // 0..1
  std::optional<uint64_t> memory_used_bytes;
  std::optional<uint64_t> memory_total_bytes;
  std::optional<double> temperature_celsius;
  std::optional<double> power_watts;
  std::optional<uint64_t> ecc_single_bit;  // volatile, corrected
  std::optional<uint64_t> ecc_double_bit;  // volatile, uncorrected
  uint64_t last_xid = 0;                   // 0: none seen since start
};

class NvmlSampler {
 public:
  // Loads `library` and initializes NVML; unavailable() on any failure,
  // with reason() saying why.
  explicit NvmlSampler(const std::string& library = "libnvidia-ml.so.1");
  ~NvmlSampler();
  NvmlSampler(const NvmlSampler&) = delete;
  NvmlSampler& operator=(const NvmlSampler&) = delete;

  bool available() const;
  const std::string& reason() const { return reason_; }
  // One reading of every GPU; empty when unavailable.
  std::vector<GpuSample> Sample();

 private:
  struct Api;
  std::mutex mu_;
  std::unique_ptr<Api> api_;
  std::string reason_;
};

}  // namespace hetsched::agent
