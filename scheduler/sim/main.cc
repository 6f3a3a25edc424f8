// hetsched-sim: runs the scheduling core on a simulated clock over a trace.
//
//   hetsched-sim --cluster CLUSTER.yaml --trace TRACE.csv
//       [--throughputs TP.json] [--policy NAME] [--seed N]
//       [--restart-penalty-s S] [--round-s S] [--jobs-out FILE.csv]
//       [--energy-price-per-kwh USD] --output json|table
//   hetsched-sim --help | --version
//
// Exit status: 0 on success, 2 on bad input (flags or files; the message
// names the file, line and column), 1 when an output cannot be written.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "common/build_info.h"
#include "common/cli_checks.h"
#include "scheduler/core/throughput_table_json.h"
#include "scheduler/sim/sim_input.h"
#include "scheduler/sim/sim_report.h"
#include "scheduler/sim/simulator.h"

namespace {

using hetsched::kNonNegative;

int BadInput(const std::string& message) {
  std::cerr << "hetsched-sim: " << message << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace hetsched::sim;
  CLI::App app{
      "hetsched-sim: the scheduling core on a simulated clock, "
      "over a trace"};
  app.set_version_flag("--version", hetsched::VersionLine("hetsched-sim"));
  std::string cluster_file, trace_file, throughputs_file, jobs_out, output;
  SimOptions options;
  app.add_option("--cluster", cluster_file, "cluster YAML (node groups)")
      ->required();
  app.add_option("--trace", trace_file, "trace CSV (hetsched-tracegen)")
      ->required();
  app.add_option("--throughputs", throughputs_file,
                 "throughput table JSON (job class -> kind -> steps/s)");
  app.add_option("--policy", options.policy,
                 "placement policy, as hetsched-scheduler --policy")
      ->capture_default_str();
  app.add_option("--seed", options.seed, "random seed")->capture_default_str();
  app.add_option("--restart-penalty-s", options.restart_penalty_s,
                 "what moving or resuming a job costs")
      ->check(kNonNegative);
  app.add_option("--round-s", options.round_s, "time-sharing round, 0: off")
      ->check(kNonNegative);
  app.add_option("--energy-price-per-kwh", options.energy_price_per_kwh,
                 "USD per kWh, added to node prices by min-cost")
      ->check(kNonNegative);
  app.add_option("--jobs-out", jobs_out, "per-job results CSV");
  app.add_option("--output", output, "json or table")
      ->required()
      ->check(CLI::IsMember({"json", "table"}));
  if (auto code = hetsched::ParseFlags(app, argc, argv)) return *code;

  auto cluster_text = ReadFile(cluster_file);
  if (!cluster_text.ok())
    return BadInput(std::string(cluster_text.status().message()));
  auto cluster = ParseCluster(*cluster_text, cluster_file);
  if (!cluster.ok()) return BadInput(std::string(cluster.status().message()));
  hetsched::core::ThroughputTable table;
  if (!throughputs_file.empty()) {
    auto tp_text = ReadFile(throughputs_file);
    if (!tp_text.ok()) return BadInput(std::string(tp_text.status().message()));
    auto tp = hetsched::core::ParseThroughputs(*tp_text, throughputs_file);
    if (!tp.ok()) return BadInput(std::string(tp.status().message()));
    table = std::move(*tp);
  }
  auto trace_text = ReadFile(trace_file);
  if (!trace_text.ok())
    return BadInput(std::string(trace_text.status().message()));
  auto trace = ParseTrace(*trace_text, trace_file, *cluster, table);
  if (!trace.ok()) return BadInput(std::string(trace.status().message()));

  auto result = Simulate(*cluster, *trace, table, options);
  if (!result.ok()) return BadInput(std::string(result.status().message()));
  if (result->solver_fallbacks > 0) {
    // Those rounds ran as hetero+las; say so where a person looks.
    std::cerr << "hetsched-sim: " << result->solver_fallbacks
              << " allocation solves failed and fell back to hetero (last: "
              << result->last_solver_error << ")\n";
  }
  if (!jobs_out.empty()) {
    std::ofstream out(jobs_out, std::ios::binary);
    out << JobsCsv(*result);
    if (!out) {
      std::cerr << "hetsched-sim: " << jobs_out << ": cannot write\n";
      return 1;
    }
  }
  if (output == "json") {
    std::cout << ResultJson(*result).dump(2) << "\n";
  } else {
    std::cout << ResultTable(*result);
  }
  return 0;
}
