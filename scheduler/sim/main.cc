// hetsched-sim: runs the scheduling core on a simulated clock over a trace.
//
//   hetsched-sim --cluster CLUSTER.yaml --trace TRACE.csv
//       [--throughputs TP.json] [--policy NAME] [--seed N]
//       [--restart-penalty-s S] [--round-s S] [--jobs-out FILE.csv]
//       [--energy-price-per-kwh USD] --output json|table
//
// Exit status: 0 on success, 2 on bad input (flags or files; the message
// names the file, line and column), 1 when an output cannot be written.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "scheduler/sim/sim_input.h"
#include "scheduler/sim/sim_report.h"
#include "scheduler/sim/simulator.h"

namespace {

constexpr const char* kUsage =
    "usage: hetsched-sim --cluster CLUSTER.yaml --trace TRACE.csv "
    "[--throughputs TP.json] [--policy NAME] [--seed N] "
    "[--restart-penalty-s S] [--round-s S] [--jobs-out FILE.csv] "
    "[--energy-price-per-kwh USD] --output json|table\n";

int BadInput(const std::string& message) {
  std::cerr << "hetsched-sim: " << message << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace hetsched::sim;
  const std::map<std::string, bool> known = {
      {"--cluster", true},     {"--trace", true},
      {"--throughputs", true}, {"--policy", true},
      {"--seed", true},        {"--restart-penalty-s", true},
      {"--round-s", true},     {"--jobs-out", true},
      {"--output", true},      {"--energy-price-per-kwh", true}};
  std::map<std::string, std::string> flags;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    }
    std::string value;
    auto eq = arg.find('=');
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg.resize(eq);
    } else if (known.count(arg) && i + 1 < argc) {
      value = argv[++i];
    } else if (known.count(arg)) {
      return BadInput(absl::StrCat(arg, ": needs a value\n", kUsage));
    }
    if (!known.count(arg)) {
      return BadInput(absl::StrCat("unknown argument '", arg, "'\n", kUsage));
    }
    flags[arg] = value;
  }
  for (const char* required : {"--cluster", "--trace", "--output"}) {
    if (!flags.count(required)) {
      return BadInput(absl::StrCat("missing ", required, "\n", kUsage));
    }
  }
  const std::string output = flags["--output"];
  if (output != "json" && output != "table") {
    return BadInput("--output: want json or table");
  }
  SimOptions options;
  if (flags.count("--policy")) options.policy = flags["--policy"];
  if (flags.count("--seed") &&
      !absl::SimpleAtoi(flags["--seed"], &options.seed)) {
    return BadInput("--seed: want a non-negative integer");
  }
  for (auto [flag, target] :
       {std::pair{"--restart-penalty-s", &options.restart_penalty_s},
        std::pair{"--round-s", &options.round_s},
        std::pair{"--energy-price-per-kwh", &options.energy_price_per_kwh}}) {
    if (flags.count(flag) &&
        (!absl::SimpleAtod(flags[flag], target) || *target < 0)) {
      return BadInput(absl::StrCat(flag, ": want a non-negative number"));
    }
  }

  auto cluster_text = ReadFile(flags["--cluster"]);
  if (!cluster_text.ok())
    return BadInput(std::string(cluster_text.status().message()));
  auto cluster = ParseCluster(*cluster_text, flags["--cluster"]);
  if (!cluster.ok()) return BadInput(std::string(cluster.status().message()));
  hetsched::core::ThroughputTable table;
  if (flags.count("--throughputs")) {
    auto tp_text = ReadFile(flags["--throughputs"]);
    if (!tp_text.ok()) return BadInput(std::string(tp_text.status().message()));
    auto tp = ParseThroughputs(*tp_text, flags["--throughputs"]);
    if (!tp.ok()) return BadInput(std::string(tp.status().message()));
    table = std::move(*tp);
  }
  auto trace_text = ReadFile(flags["--trace"]);
  if (!trace_text.ok())
    return BadInput(std::string(trace_text.status().message()));
  auto trace = ParseTrace(*trace_text, flags["--trace"], *cluster, table);
  if (!trace.ok()) return BadInput(std::string(trace.status().message()));

  auto result = Simulate(*cluster, *trace, table, options);
  if (!result.ok()) return BadInput(std::string(result.status().message()));
  if (result->solver_fallbacks > 0) {
    // Those rounds ran as hetero+las; say so where a person looks.
    std::cerr << "hetsched-sim: " << result->solver_fallbacks
              << " allocation solves failed and fell back to hetero (last: "
              << result->last_solver_error << ")\n";
  }
  if (flags.count("--jobs-out")) {
    std::ofstream out(flags["--jobs-out"], std::ios::binary);
    out << JobsCsv(*result);
    if (!out) {
      std::cerr << "hetsched-sim: " << flags["--jobs-out"]
                << ": cannot write\n";
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
