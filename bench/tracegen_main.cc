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

#include "absl/strings/numbers.h"
#include "bench/trace_generator.h"

int main(int argc, char** argv) {
  hetsched::bench::GeneratorOptions o;
  std::string out;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    bool ok = true;
    if (flag == "--out") {
      out = value;
    } else if (flag == "--scenario") {
      o.scenario = value;
      ok = value == "mixed" || value == "gavel" || value == "gavel-osdi";
    } else if (flag == "--jobs") {
      ok = absl::SimpleAtoi(value, &o.jobs) && o.jobs > 0;
    } else if (flag == "--seed") {
      ok = absl::SimpleAtoi(value, &o.seed);
    } else if (flag == "--arrivals-per-hour") {
      ok = absl::SimpleAtod(value, &o.arrivals_per_hour) &&
           o.arrivals_per_hour > 0;
    } else if (flag == "--load") {
      ok = absl::SimpleAtod(value, &o.load) && o.load > 0;
    } else if (flag == "--batch") {
      ok = value == "0" || value == "1";
      o.batch = value == "1";
    } else {
      ok = false;
    }
    if (!ok) {
      std::cerr << "hetsched-tracegen: bad " << flag << " " << value << "\n";
      return 2;
    }
  }
  if (out.empty()) {
    std::cerr << "usage: hetsched-tracegen --out DIR [--scenario "
                 "mixed|gavel|gavel-osdi] [--jobs N] [--seed N] "
                 "[--arrivals-per-hour X] [--load F] [--batch 0|1]\n";
    return 2;
  }
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
