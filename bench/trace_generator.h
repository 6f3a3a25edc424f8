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
  // "gavel-osdi": Gavel's OSDI 2020 simulation: 36 accelerators each of a
  // new, a middle and an old kind (H100, A100, V100 stand in for V100,
  // P100, K80), 28 classes, single-accelerator jobs of 60*10^U(1.5,3) s
  // (80%) or 60*10^U(3,4) s on the new kind, Poisson arrivals, all
  // preemptible; with `batch`, every job at t=0 with 1/2/4/8 accelerators
  // (probability .7/.1/.15/.05).
  std::string scenario = "mixed";
  bool batch = false;
  // When > 0, arrivals_per_hour = load x the cluster's capacity in jobs per
  // hour as the allocation LP computes it (CapacityJobsPerHour).
  double load = 0;
};

struct Workload {
  sim::SimCluster cluster;
  core::ThroughputTable table;
  std::vector<sim::TraceJob> trace;
};

Workload Generate(const GeneratorOptions& options);

// Jobs per hour the cluster of `options` can serve at most: a batch of
// 2,000 jobs of the scenario's mix over the makespan lower bound of the
// allocation LP (sim/makespan_bound.h).
double CapacityJobsPerHour(const GeneratorOptions& options);

// The files hetsched-sim reads.
std::string ClusterYaml(const GeneratorOptions& options);
std::string ThroughputJson(const core::ThroughputTable& table);
std::string TraceCsv(const std::vector<sim::TraceJob>& trace);

}  // namespace hetsched::bench
