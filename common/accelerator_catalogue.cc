#include "common/accelerator_catalogue.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace hetsched {
namespace {

AcceleratorCatalogue MakeBuiltIn() {
  AcceleratorCatalogue c;
  // kind, bf16 TFLOP/s, memory GB, memory GB/s, scale-up link GB/s, inference,
  // board power W (NVIDIA datasheets, SXM parts; 0 where AWS publishes none).
  const AcceleratorSpec specs[] = {
      {"nvidia/a100", 312, 80, 2039, 600, false, 400},
      {"nvidia/h100", 989, 80, 3350, 900, false, 700},
      {"nvidia/h200", 989, 141, 4800, 900, false, 700},
      {"nvidia/b200", 2250, 180, 8000, 1800, false, 1000},
      {"nvidia/gb200", 2500, 185, 8000, 1800, false, 1200},
      {"nvidia/l4", 121, 24, 300, 0, true, 72},
      {"nvidia/v100", 0, 32, 900, 300, false, 300},
      {"aws/trainium", 190, 34.4, 880, 384, false},
      {"aws/trainium2", 667, 103, 2900, 1280, false},
      {"aws/inferentia2", 190, 34.4, 880, 206, true},
  };
  for (const auto& s : specs) (void)c.Upsert(s);
  return c;
}

}  // namespace

const AcceleratorCatalogue& AcceleratorCatalogue::BuiltIn() {
  static const AcceleratorCatalogue* catalogue =
      new AcceleratorCatalogue(MakeBuiltIn());
  return *catalogue;
}

const AcceleratorSpec* AcceleratorCatalogue::Find(std::string_view kind) const {
  auto it = specs_.find(kind);
  return it == specs_.end() ? nullptr : &it->second;
}

absl::Status AcceleratorCatalogue::Upsert(const AcceleratorSpec& spec) {
  if (VendorOf(spec.kind).empty() ||
      spec.kind.find('/') == spec.kind.size() - 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "kind: '", spec.kind, "' must be vendor/model, e.g. nvidia/h100"));
  }
  for (double figure : {spec.bf16_tflops, spec.memory_gb,
                        spec.memory_bandwidth_gbps, spec.scale_up_link_gbps}) {
    if (!std::isfinite(figure) || figure < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "kind ", spec.kind, ": figures must be finite and not negative"));
    }
  }
  specs_[spec.kind] = spec;
  return absl::OkStatus();
}

std::vector<std::string> AcceleratorCatalogue::Kinds() const {
  std::vector<std::string> kinds;
  kinds.reserve(specs_.size());
  for (const auto& [kind, spec] : specs_) kinds.push_back(kind);
  return kinds;
}

std::string_view VendorOf(std::string_view kind) {
  auto slash = kind.find('/');
  if (slash == std::string_view::npos || slash == 0) return {};
  return kind.substr(0, slash);
}

}  // namespace hetsched
