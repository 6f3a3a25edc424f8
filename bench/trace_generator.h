// Synthetic heterogeneous workloads for the benchmarks: a cluster, a
// throughput table and a trace, all from one seed. The distributions are
// documented in docs/BENCHMARKS.md and below; the same options and seed
// always give the same workload. Thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "scheduler/core/throughput_model.h"
#include "scheduler/sim/sim_input.h"

namespace hetsched::bench {

struct GeneratorOptions {
  uint64_t seed = 1;
  int jobs = 400;
  // Poisson arrivals: mean jobs per hour.
  double arrivals_per_hour = 30;
  // "mixed": A100, H100 (ultraservers of 3 hosts), Trainium2 and L4 hosts
  // in two providers, with pinned kinds, priorities and queues.
  // "gavel": the Gavel-style setup: three GPU generations in equal parts,
  // every job accepts every kind, one queue, one priority.
  std::string scenario = "mixed";
};

struct Workload {
  sim::SimCluster cluster;
  core::ThroughputTable table;
  std::vector<sim::TraceJob> trace;
};

Workload Generate(const GeneratorOptions& options);

// The files hetsched-sim reads.
std::string ClusterYaml(const GeneratorOptions& options);
std::string ThroughputJson(const core::ThroughputTable& table);
std::string TraceCsv(const std::vector<sim::TraceJob>& trace);

}  // namespace hetsched::bench
