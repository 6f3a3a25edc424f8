#include "scheduler/core/throughput_model.h"

#include <algorithm>
#include <set>

#include "common/accelerator_catalogue.h"

namespace hetsched::core {

void ThroughputModel::SetTable(ThroughputTable table) {
  table_ = std::move(table);
  reference_.clear();
  std::set<std::string> kinds;
  for (const auto& [cls, by_kind] : table_) {
    for (const auto& [kind, by_n] : by_kind) kinds.insert(kind);
  }
  // Sum of per-(class, N) ratios and the number of (class, N) pairs; a kind
  // a class cannot use counts as ratio 0.
  std::map<std::string, double> sum;
  int pairs = 0;
  for (const auto& [cls, by_kind] : table_) {
    std::set<int> sizes;
    for (const auto& [kind, by_n] : by_kind) {
      for (const auto& [n, tp] : by_n) sizes.insert(n);
    }
    for (int n : sizes) {
      double best = 0;
      for (const auto& [kind, by_n] : by_kind) {
        auto it = by_n.find(n);
        if (it != by_n.end()) best = std::max(best, it->second);
      }
      if (best <= 0) continue;
      ++pairs;
      for (const auto& [kind, by_n] : by_kind) {
        auto it = by_n.find(n);
        if (it != by_n.end()) sum[kind] += it->second / best;
      }
    }
  }
  for (const auto& kind : kinds) {
    reference_[kind] = pairs > 0 ? std::max(sum[kind] / pairs, 1e-3) : 1.0;
  }
}

std::optional<double> ThroughputModel::Raw(const std::string& job_class,
                                           const std::string& kind,
                                           int n) const {
  auto cls = table_.find(job_class);
  if (cls == table_.end()) {
    const AcceleratorSpec* spec = AcceleratorCatalogue::BuiltIn().Find(kind);
    double per_accel = spec != nullptr && spec->bf16_tflops > 0
                           ? spec->bf16_tflops / 1000.0
                           : 0.1;
    return per_accel * std::max(n, 1);
  }
  auto k = cls->second.find(kind);
  if (k == cls->second.end()) return std::nullopt;
  auto it = k->second.find(n);
  if (it == k->second.end() || it->second <= 0) return std::nullopt;
  return it->second;
}

std::optional<double> ThroughputModel::Estimate(const std::string& job_class,
                                                const std::string& kind,
                                                int n) const {
  auto raw = Raw(job_class, kind, n);
  if (!raw) return raw;
  auto c = correction_.find({job_class, kind});
  return c == correction_.end() ? *raw : *raw * c->second;
}

double ThroughputModel::Reference(const std::string& kind) const {
  if (reference_.empty()) return 1.0;
  auto it = reference_.find(kind);
  return it == reference_.end() ? 1e-3 : it->second;
}

void ThroughputModel::Observe(const std::string& job_class,
                              const std::string& kind, int n,
                              double speed_factor,
                              double observed_steps_per_second) {
  auto raw = Raw(job_class, kind, n);
  if (!raw || *raw <= 0 || speed_factor <= 0 ||
      observed_steps_per_second <= 0) {
    return;
  }
  double ratio = observed_steps_per_second / (*raw * speed_factor);
  auto [it, inserted] =
      correction_.emplace(std::make_pair(job_class, kind), ratio);
  if (!inserted) it->second = 0.75 * it->second + 0.25 * ratio;
}

}  // namespace hetsched::core
