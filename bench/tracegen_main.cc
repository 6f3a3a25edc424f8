// hetsched-tracegen: writes a generated workload as the three files
// hetsched-sim reads.
//
//   hetsched-tracegen --out DIR [--scenario mixed|gavel|gavel-osdi]
//       [--jobs N] [--seed N] [--arrivals-per-hour X] [--load F]
//       [--batch 0|1]
//
// --load F sets the arrival rate to F x the cluster's capacity as the
// allocation LP computes it (printed on stderr); --batch 1 submits every
// job at t=0 (gavel-osdi: multi-accelerator gangs).
//
// Writes DIR/cluster.yaml, DIR/throughputs.json and DIR/trace.csv.
#include <fstream>
#include <iostream>
#include <string>

#include "CLI/CLI.hpp"
#include "bench/trace_generator.h"
#include "common/cli_checks.h"

int main(int argc, char** argv) {
  hetsched::bench::GeneratorOptions o;
  std::string out;
  int batch = 0;
  CLI::App app{"Writes a generated workload as hetsched-sim's three files",
               "hetsched-tracegen"};
  app.add_option("--out", out, "directory to write into")->required();
  app.add_option("--scenario", o.scenario)
      ->capture_default_str()
      ->check(CLI::IsMember({"mixed", "gavel", "gavel-osdi"}));
  app.add_option("--jobs", o.jobs)
      ->capture_default_str()
      ->check(hetsched::kPositiveCount);
  app.add_option("--seed", o.seed)->capture_default_str();
  app.add_option("--arrivals-per-hour", o.arrivals_per_hour)
      ->capture_default_str()
      ->check(hetsched::kPositive);
  app.add_option("--load", o.load,
                 "arrival rate as a multiple of the cluster's capacity")
      ->check(hetsched::kPositive);
  app.add_option("--batch", batch, "1: every job arrives at t=0")
      ->check(CLI::Range(0, 1));
  if (auto code = hetsched::ParseFlags(app, argc, argv)) return *code;
  o.batch = batch == 1;
  if (o.load > 0) {
    // Generate would compute the capacity again: fix the rate here.
    const double capacity = hetsched::bench::CapacityJobsPerHour(o);
    o.arrivals_per_hour = o.load * capacity;
    o.load = 0;
    std::cerr << "hetsched-tracegen: capacity " << capacity
              << " jobs/h, arrivals " << o.arrivals_per_hour << " jobs/h\n";
  }
  hetsched::bench::Workload w = hetsched::bench::Generate(o);
  std::ofstream(out + "/cluster.yaml") << hetsched::bench::ClusterYaml(o);
  std::ofstream(out + "/throughputs.json")
      << hetsched::bench::ThroughputJson(w.table);
  std::ofstream(out + "/trace.csv") << hetsched::bench::TraceCsv(w.trace);
  return 0;
}
