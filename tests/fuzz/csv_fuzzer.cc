// Fuzzes the simulator's CSV reader and the trace parser above it, on the
// example cluster and throughput table of scheduler/sim/examples.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "scheduler/core/throughput_table_json.h"
#include "scheduler/sim/csv_reader.h"
#include "scheduler/sim/sim_input.h"

namespace {

constexpr char kCluster[] = R"(node_groups:
  - name: h100
    count: 1
    accelerator: {kind: nvidia/h100, count: 8}
    provider: aws
    price_per_accel_hour: 4.0
  - name: a100
    count: 1
    accelerator: {kind: nvidia/a100, count: 8}
    provider: aws
    price_per_accel_hour: 2.0
)";
constexpr char kThroughputs[] =
    R"json({"classes": {"GPT-2 (1.5B)": {"nvidia/h100": {"8": 2.0},)json"
    R"json( "nvidia/a100": {"8": 1.0}}}})json";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto* const cluster = [] {
    auto c = hetsched::sim::ParseCluster(kCluster, "cluster.yaml");
    if (!c.ok()) abort();
    return new hetsched::sim::SimCluster(*std::move(c));
  }();
  static const auto* const throughputs = [] {
    auto t = hetsched::core::ParseThroughputs(kThroughputs, "tp.json");
    if (!t.ok()) abort();
    return new hetsched::core::ThroughputTable(*std::move(t));
  }();
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto rows = hetsched::sim::ParseCsv(text, "trace.csv");
  if (rows.ok()) {
    // Every field must point inside the text.
    for (const auto& row : *rows) {
      for (const auto& field : row) {
        if (field.line < 1 || field.column < 1) abort();
      }
    }
  }
  (void)hetsched::sim::ParseTrace(text, "trace.csv", *cluster, *throughputs);
  return 0;
}
