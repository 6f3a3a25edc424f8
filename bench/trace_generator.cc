#include "bench/trace_generator.h"

#include <cmath>
#include <random>

#include "absl/random/distributions.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"
#include "scheduler/sim/csv_reader.h"
#include "scheduler/sim/makespan_bound.h"
#include "scheduler/sim/sim_report.h"

namespace hetsched::bench {
namespace {

struct Group {
  const char* name;
  int count;
  const char* kind;
  int per_node;
  int ultraserver_size;
  const char* provider;
  double price;
};

std::vector<Group> Groups(const std::string& scenario) {
  if (scenario == "gavel-osdi") {
    return {{"new", 9, "nvidia/h100", 4, 0, "aws", 3.0},
            {"mid", 9, "nvidia/a100", 4, 0, "aws", 1.5},
            {"old", 9, "nvidia/v100", 4, 0, "aws", 0.9}};
  }
  if (scenario == "gavel") {
    return {{"a100", 4, "nvidia/a100", 8, 0, "aws", 2.0},
            {"h100", 4, "nvidia/h100", 8, 0, "aws", 4.0},
            {"b200", 4, "nvidia/b200", 8, 0, "aws", 7.0}};
  }
  return {{"a100", 6, "nvidia/a100", 8, 0, "aws", 2.0},
          {"h100", 6, "nvidia/h100", 8, 3, "azure", 4.0},
          {"trn2", 3, "aws/trainium2", 16, 0, "aws", 1.8},
          {"l4", 4, "nvidia/l4", 8, 0, "aws", 0.8}};
}

// Per-accelerator steps/s of each class relative to the A100. Two classes
// run slower on the newer kind (LSTM, DLRM: latency- and memory-bound
// kernels that the newer parts do not speed up); a missing kind means the
// class cannot run there (no Neuron port).
struct Class {
  const char* name;
  std::vector<std::pair<const char*, double>> speed;
};
std::vector<Class> Classes() {
  return {{"ResNet-50 (batch size 64)",
           {{"nvidia/a100", 1.0},
            {"nvidia/h100", 1.3},
            {"nvidia/b200", 1.6},
            {"aws/trainium2", 0.8},
            {"nvidia/l4", 0.35}}},
          {"Transformer (LM)",
           {{"nvidia/a100", 1.0},
            {"nvidia/h100", 3.0},
            {"nvidia/b200", 5.5},
            {"aws/trainium2", 2.2},
            {"nvidia/l4", 0.25}}},
          {"GPT-2 (1.5B)",
           {{"nvidia/a100", 1.0},
            {"nvidia/h100", 2.6},
            {"nvidia/b200", 4.5},
            {"aws/trainium2", 2.0}}},
          {"LSTM (A3C)",
           {{"nvidia/a100", 1.0},
            {"nvidia/h100", 0.8},
            {"nvidia/b200", 0.9},
            {"nvidia/l4", 0.6}}},
          {"CycleGAN",
           {{"nvidia/a100", 1.0},
            {"nvidia/h100", 1.7},
            {"nvidia/b200", 2.4},
            {"aws/trainium2", 1.1},
            {"nvidia/l4", 0.4}}},
          {"Recommendation (DLRM)",
           {{"nvidia/a100", 1.0},
            {"nvidia/h100", 0.9},
            {"nvidia/b200", 1.2},
            {"nvidia/l4", 0.5}}}};
}

// gavel-osdi: 7 model families x 4 batch sizes = 28 classes. Per family,
// the speed of the new and the middle kind relative to the old one; the
// batch size raises that to the power 0.8, 0.9, 1.0, 1.1 (larger batches
// gain more from newer parts). A3C runs faster on the old kind than on the
// new one at every batch size; Recommendation barely gains.
struct Family {
  const char* name;
  double new_vs_old, mid_vs_old;
};
constexpr Family kFamilies[] = {
    {"ResNet-18", 3.2, 2.0},      {"ResNet-50", 4.5, 2.6},
    {"Transformer", 3.8, 2.2},    {"LM (LSTM)", 2.6, 1.6},
    {"Recommendation", 1.6, 1.2}, {"A3C", 0.85, 0.95},
    {"CycleGAN", 5.5, 2.8}};
constexpr int kBatchSizes[] = {16, 32, 64, 128};

constexpr int kSizes[] = {1, 2, 4, 8, 16, 32};
// Gang sizes (total accelerators): 1: 40%, 2: 15%, 4: 15%, 8: 20%,
// 16: 7%, 32: 3%.
constexpr double kSizeWeights[] = {40, 15, 15, 20, 7, 3};

// Scaling: each doubling keeps 95% of per-accelerator speed.
double Efficiency(int n) { return std::pow(0.95, std::log2(n)); }

}  // namespace

std::string ClusterYaml(const GeneratorOptions& options) {
  std::string out = "node_groups:\n";
  for (const Group& g : Groups(options.scenario)) {
    absl::StrAppend(&out, "  - name: ", g.name, "\n    count: ", g.count,
                    "\n    accelerator: {kind: ", g.kind,
                    ", count: ", g.per_node, "}\n    provider: ", g.provider,
                    "\n    price_per_accel_hour: ", g.price, "\n");
    if (g.ultraserver_size > 0) {
      absl::StrAppend(&out, "    ultraserver_size: ", g.ultraserver_size, "\n");
    }
  }
  return out;
}

namespace {

// The gavel-osdi workload (see GeneratorOptions::scenario).
void GenerateOsdi(const GeneratorOptions& options, Workload& w) {
  std::mt19937_64 gen(options.seed);
  std::vector<std::string> classes;
  for (const Family& f : kFamilies) {
    for (size_t b = 0; b < std::size(kBatchSizes); ++b) {
      std::string name =
          absl::StrCat(f.name, " (batch size ", kBatchSizes[b], ")");
      const double power = 0.8 + 0.1 * b;
      const std::pair<const char*, double> speeds[] = {
          {"nvidia/h100", std::pow(f.new_vs_old, power)},
          {"nvidia/a100", std::pow(f.mid_vs_old, power)},
          {"nvidia/v100", 1.0}};
      for (const auto& [kind, speed] : speeds) {
        for (int n : {1, 2, 4, 8}) {
          w.table[name][kind][n] = 10.0 * speed * n * Efficiency(n);
        }
      }
      classes.push_back(std::move(name));
    }
  }
  const double sizes[] = {1, 2, 4, 8}, weights[] = {70, 10, 15, 5};
  std::discrete_distribution<int> size_dist(std::begin(weights),
                                            std::end(weights));
  double t = 0;
  for (int j = 0; j < options.jobs; ++j) {
    sim::TraceJob job;
    job.id = absl::StrCat("job-", j);
    if (!options.batch) {
      t += absl::Exponential<double>(gen, options.arrivals_per_hour / 3600.0);
      job.submit_s = std::round(t);
    }
    job.job_class = classes[absl::Uniform(gen, 0u, classes.size())];
    const int n = options.batch ? static_cast<int>(sizes[size_dist(gen)]) : 1;
    job.accel_per_replica = std::min(n, 4);
    job.replicas = n / job.accel_per_replica;
    const double exponent = absl::Bernoulli(gen, 0.8)
                                ? absl::Uniform(gen, 1.5, 3.0)
                                : absl::Uniform(gen, 3.0, 4.0);
    const double new_s = 60 * std::pow(10, exponent);
    job.total_steps =
        std::round(new_s * w.table[job.job_class]["nvidia/h100"][n]);
    job.preemptible = true;
    w.trace.push_back(std::move(job));
  }
}

}  // namespace

double CapacityJobsPerHour(const GeneratorOptions& options) {
  GeneratorOptions batch = options;
  batch.jobs = 2000;
  batch.load = 0;
  batch.arrivals_per_hour = 1e9;  // all at (about) t=0
  Workload w = Generate(batch);
  for (auto& j : w.trace) j.submit_s = 0;
  const double bound = sim::MakespanLowerBound(w.cluster, w.trace, w.table);
  return bound > 0 ? batch.jobs / (bound / 3600) : 0;
}

Workload Generate(const GeneratorOptions& in) {
  GeneratorOptions options = in;
  if (options.load > 0) {
    options.arrivals_per_hour = options.load * CapacityJobsPerHour(options);
  }
  std::mt19937_64 gen(options.seed);
  Workload w;
  std::vector<std::string> kinds;
  for (const Group& g : Groups(options.scenario)) {
    kinds.emplace_back(g.kind);
    for (int i = 0; i < g.count; ++i) {
      core::Node n;
      n.name = absl::StrCat(g.name, "-", i);
      n.accelerator_kind = g.kind;
      n.accelerator_count = g.per_node;
      n.topology.provider = g.provider;
      if (g.ultraserver_size > 0) {
        n.topology.ultraserver =
            absl::StrCat(g.name, "-us", i / g.ultraserver_size);
      }
      n.price_per_accel_hour = g.price;
      w.cluster.nodes.push_back(std::move(n));
    }
  }
  w.cluster.has_prices = true;
  if (options.scenario == "gavel-osdi") {
    GenerateOsdi(options, w);
    return w;
  }
  const std::vector<Class> classes = Classes();
  for (const Class& c : classes) {
    for (const auto& [kind, speed] : c.speed) {
      if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) continue;
      for (int n : kSizes) {
        w.table[c.name][kind][n] = 10.0 * speed * n * Efficiency(n);
      }
    }
  }
  const bool mixed = options.scenario == "mixed";
  double t = 0;
  std::discrete_distribution<int> size_dist(std::begin(kSizeWeights),
                                            std::end(kSizeWeights));
  for (int j = 0; j < options.jobs; ++j) {
    sim::TraceJob job;
    job.id = absl::StrCat("job-", j);
    // Poisson arrivals: exponential gaps.
    t += absl::Exponential<double>(gen, options.arrivals_per_hour / 3600.0);
    job.submit_s = std::round(t);
    const Class& c = classes[absl::Uniform(gen, 0u, classes.size())];
    job.job_class = c.name;
    int n = kSizes[size_dist(gen)];
    job.accel_per_replica = std::min(n, 8);
    job.replicas = n / job.accel_per_replica;
    // Run time on the A100 log-uniform in [10 min, 8 h].
    double a100_s =
        std::exp(absl::Uniform(gen, std::log(600.0), std::log(8 * 3600.0)));
    job.total_steps = std::round(a100_s * w.table[c.name]["nvidia/a100"][n]);
    if (mixed) {
      job.priority = absl::Bernoulli(gen, 0.1) ? 5 : 0;
      job.preemptible = job.priority == 0 && absl::Bernoulli(gen, 0.7);
      job.queue = absl::Bernoulli(gen, 0.3) ? "prod" : "research";
      if (absl::Bernoulli(gen, 0.3)) {
        // Pinned to one kind the class can use.
        std::vector<std::string> usable;
        for (const auto& [kind, speed] : c.speed) {
          if (std::find(kinds.begin(), kinds.end(), kind) != kinds.end()) {
            usable.emplace_back(kind);
          }
        }
        job.kinds = {usable[absl::Uniform(gen, 0u, usable.size())]};
      }
    } else {
      job.preemptible = true;
    }
    if (absl::Bernoulli(gen, 0.5)) {
      // A limit of twice the run time on the slowest kind it may get.
      double slowest = 1e9;
      for (const auto& [kind, speed] : c.speed) {
        if (std::find(kinds.begin(), kinds.end(), kind) != kinds.end()) {
          slowest = std::min(slowest, speed);
        }
      }
      job.max_runtime_s = std::round(2 * a100_s / slowest + 600);
    }
    w.trace.push_back(std::move(job));
  }
  return w;
}

std::string ThroughputJson(const core::ThroughputTable& table) {
  nlohmann::json classes = nlohmann::json::object();
  for (const auto& [cls, by_kind] : table) {
    for (const auto& [kind, by_n] : by_kind) {
      for (const auto& [n, rate] : by_n) {
        classes[cls][kind][std::to_string(n)] = rate;
      }
    }
  }
  return nlohmann::json{{"classes", classes}}.dump(1) + "\n";
}

std::string TraceCsv(const std::vector<sim::TraceJob>& trace) {
  std::string out =
      "job_id,submit_time_s,replicas,accel_per_replica,job_class,total_steps,"
      "queue,priority,accel_kinds,preemptible,max_runtime_s\n";
  for (const auto& j : trace) {
    absl::StrAppend(
        &out, sim::CsvQuote(j.id), ",", sim::FormatSeconds(j.submit_s), ",",
        j.replicas, ",", j.accel_per_replica, ",", sim::CsvQuote(j.job_class),
        ",", sim::FormatSeconds(j.total_steps), ",", sim::CsvQuote(j.queue),
        ",", j.priority, ",", absl::StrJoin(j.kinds, ";"), ",",
        j.preemptible ? 1 : 0, ",",
        j.max_runtime_s > 0 ? sim::FormatSeconds(j.max_runtime_s)
                            : std::string(),
        "\n");
  }
  return out;
}

}  // namespace hetsched::bench
