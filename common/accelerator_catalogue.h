// The accelerator catalogue: datasheet figures per accelerator kind
// (vendor/model), the reference that calibration results are compared with.
// A catalogue is a value: copy it, extend it with operator entries, share it
// read-only between threads.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace hetsched {

struct AcceleratorSpec {
  std::string kind;                  // "nvidia/h100"
  double bf16_tflops = 0;            // dense peak
  double memory_gb = 0;              // decimal GB
  double memory_bandwidth_gbps = 0;  // GB/s
  double scale_up_link_gbps = 0;     // NVLink / NeuronLink per chip, GB/s
  bool inference_class = false;      // cheaper parts meant for serving
  double tdp_watts = 0;              // board power; 0 = not published
};

class AcceleratorCatalogue {
 public:
  // The figures of shared/reference/accelerators.md.
  static const AcceleratorCatalogue& BuiltIn();

  // nullptr when the kind is unknown.
  const AcceleratorSpec* Find(std::string_view kind) const;
  bool Contains(std::string_view kind) const { return Find(kind) != nullptr; }

  // Adds or replaces an entry. INVALID_ARGUMENT names the bad field.
  absl::Status Upsert(const AcceleratorSpec& spec);

  std::vector<std::string> Kinds() const;

 private:
  std::map<std::string, AcceleratorSpec, std::less<>> specs_;
};

// "nvidia/h100" -> "nvidia"; empty when there is no vendor part.
std::string_view VendorOf(std::string_view kind);

}  // namespace hetsched
