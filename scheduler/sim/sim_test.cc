// The simulator on small traces whose results are computed by hand, its
// input checks (file, line and column), and the binary's exit status.
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "scheduler/core/throughput_table_json.h"
#include "scheduler/sim/csv_reader.h"
#include "scheduler/sim/sim_input.h"
#include "scheduler/sim/sim_report.h"
#include "scheduler/sim/simulator.h"

namespace hetsched::sim {
namespace {

const std::string kExamples = HETSCHED_SIM_EXAMPLES;

struct Inputs {
  SimCluster cluster;
  core::ThroughputTable table;
  std::vector<TraceJob> trace;
};

Inputs LoadExample() {
  Inputs in;
  auto c = ParseCluster(*ReadFile(kExamples + "/cluster.yaml"), "cluster.yaml");
  EXPECT_TRUE(c.ok()) << c.status();
  in.cluster = *c;
  auto tp = core::ParseThroughputs(*ReadFile(kExamples + "/throughputs.json"),
                                   "throughputs.json");
  EXPECT_TRUE(tp.ok()) << tp.status();
  in.table = *tp;
  auto t = ParseTrace(*ReadFile(kExamples + "/trace.csv"), "trace.csv",
                      in.cluster, in.table);
  EXPECT_TRUE(t.ok()) << t.status();
  in.trace = *t;
  return in;
}

// hetero: j1 (200 steps, 2/s on H100, 1/s on A100) takes the H100 and ends
// at 100; j2 (100 steps) gets the A100, ends at 100; j3 (50 s, arrives at
// 10) waits for a free host and runs 100..150 on the H100.
TEST(SimulatorTest, HeteroExampleMatchesTheHandComputedResult) {
  Inputs in = LoadExample();
  ASSERT_EQ(in.trace.size(), 3u);
  EXPECT_EQ(in.trace[2].job_class, "ResNet-50 (batch size 64)");
  auto r = Simulate(in.cluster, in.trace, in.table, SimOptions{});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->jobs, 3);
  EXPECT_EQ(r->completed, 3);
  EXPECT_NEAR(r->avg_jct_s, 340.0 / 3, 1e-9);
  EXPECT_DOUBLE_EQ(r->p50_jct_s, 100);
  EXPECT_DOUBLE_EQ(r->p99_jct_s, 140);
  EXPECT_DOUBLE_EQ(r->avg_wait_s, 30);
  EXPECT_DOUBLE_EQ(r->makespan_s, 150);
  EXPECT_DOUBLE_EQ(r->utilization, 0.75);
  EXPECT_NEAR(r->utilization_by_kind.at("nvidia/h100"), 1000.0 / 1200, 1e-12);
  EXPECT_NEAR(r->utilization_by_kind.at("nvidia/a100"), 800.0 / 1200, 1e-12);
  ASSERT_TRUE(r->cost_usd.has_value());
  EXPECT_NEAR(*r->cost_usd, (1000 * 4.0 + 800 * 2.0) / 3600, 1e-12);
  EXPECT_EQ(r->preemptions, 0);
  EXPECT_EQ(r->records[0].kinds_used, std::vector<std::string>{"nvidia/h100"});
  EXPECT_EQ(JobsCsv(*r),
            "job_id,submit_time_s,start_time_s,end_time_s,accel_kinds_used,"
            "preemptions\n"
            "j1,0,0,100,nvidia/h100,0\n"
            "j2,0,0,100,nvidia/a100,0\n"
            "j3,10,100,150,nvidia/h100,0\n");
  nlohmann::json j = ResultJson(*r);
  for (const char* k :
       {"jobs", "completed", "avg_jct_s", "p50_jct_s", "p99_jct_s",
        "avg_wait_s", "makespan_s", "utilization", "cost_usd", "preemptions",
        "scheduler_cpu_s", "decisions"}) {
    EXPECT_TRUE(j.contains(k)) << k;
  }
  EXPECT_EQ(j["decisions"], 3);
  // Beside them: the solver's CPU time, the makespan bound and energy.
  for (const char* k :
       {"solver_cpu_s", "makespan_lower_bound_s", "energy_kwh"}) {
    EXPECT_TRUE(j.contains(k)) << k;
  }
}

// The LP bound by hand: j3 (50 s on 4 accelerators) on the A100s uses a
// quarter of them for 50 s; j1 and j2 (300 steps, 2/s on H100, 1/s on
// A100) then need 2u + (u - 25) = 300 steps of capacity: u = 108.33 s.
// Energy: 1000 H100-seconds at 700 W and 800 A100-seconds at 400 W.
TEST(SimulatorTest, MakespanBoundAndEnergyMatchTheHandComputedValues) {
  Inputs in = LoadExample();
  auto r = Simulate(in.cluster, in.trace, in.table, SimOptions{});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_NEAR(r->makespan_lower_bound_s, 325.0 / 3, 1e-6);
  ASSERT_TRUE(r->energy_kwh.has_value());
  EXPECT_NEAR(*r->energy_kwh, (1000 * 700.0 + 800 * 400.0) / 3.6e6, 1e-9);
  EXPECT_EQ(r->solver_cpu_s, 0);  // hetero solves nothing
}

TEST(SimulatorTest, OptimizerPoliciesRunTheExampleToCompletion) {
  Inputs in = LoadExample();
  for (const char* policy :
       {"max-min", "min-jct", "min-makespan", "min-cost"}) {
    SimOptions o;
    o.policy = policy;
    o.round_s = 60;
    auto r = Simulate(in.cluster, in.trace, in.table, o);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->completed, 3) << policy;
    EXPECT_GE(r->makespan_s, r->makespan_lower_bound_s - 1e-6) << policy;
    EXPECT_GE(r->solver_cpu_s, 0) << policy;
  }
}

// fifo (first fit, kinds in name order): j1 takes the A100 (0..200), j2
// the H100 (0..50); j3 follows j2 on the H100 (50..100).
TEST(SimulatorTest, FifoExampleMatchesTheHandComputedResult) {
  Inputs in = LoadExample();
  SimOptions o;
  o.policy = "fifo";
  auto r = Simulate(in.cluster, in.trace, in.table, o);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_NEAR(r->avg_jct_s, 340.0 / 3, 1e-9);
  EXPECT_DOUBLE_EQ(r->p50_jct_s, 90);
  EXPECT_DOUBLE_EQ(r->makespan_s, 200);
  EXPECT_DOUBLE_EQ(r->utilization, 2200.0 / 3200);
}

// low (100 s, preemptible) runs 0..20; high (priority 5, 10 s) preempts it
// and runs 20..30; low resumes at 30, pays 5 s and runs its last 80 s.
TEST(SimulatorTest, PreemptionAndRestartPenalty) {
  SimCluster c;
  core::Node n;
  n.name = "h-0";
  n.accelerator_kind = "nvidia/h100";
  n.accelerator_count = 8;
  c.nodes.push_back(n);
  auto trace = ParseTrace(
      "job_id,submit_time_s,replicas,accel_per_replica,job_class,total_steps,"
      "priority,preemptible,duration_s\n"
      "low,0,1,8,x,0,0,1,100\n"
      "high,20,1,8,x,0,5,0,10\n",
      "t.csv", c, {});
  ASSERT_TRUE(trace.ok()) << trace.status();
  SimOptions o;
  o.policy = "priority";
  o.restart_penalty_s = 5;
  auto r = Simulate(c, *trace, {}, o);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->preemptions, 1);
  EXPECT_EQ(*r->records[0].end_s, 115);
  EXPECT_EQ(r->records[0].preemptions, 1);
  EXPECT_EQ(*r->records[1].start_s, 20);
  EXPECT_EQ(*r->records[1].end_s, 30);
}

TEST(CsvReaderTest, QuotedFieldsAndPositions) {
  auto rows = ParseCsv("a,b\n\"x, \"\"y\"\"\",2\n", "f.csv");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[1][0].value, "x, \"y\"");
  EXPECT_EQ((*rows)[1][1].line, 2);
  EXPECT_EQ((*rows)[1][1].column, 12);
  EXPECT_EQ(ParseCsv("a\n\"open\n", "f.csv").status().message(),
            "f.csv:2:1: quoted field is never closed");
}

TEST(TraceInputTest, BadInputNamesFileLineAndColumn) {
  Inputs in = LoadExample();
  auto bad = [&](const std::string& text) {
    auto t = ParseTrace(text, "t.csv", in.cluster, in.table);
    EXPECT_FALSE(t.ok());
    return std::string(t.status().message());
  };
  EXPECT_EQ(bad("job_id,submit_time_s,replicas,accel_per_replica,job_class\n"),
            "t.csv:1:58: missing required column 'total_steps'");
  EXPECT_EQ(bad("job_id,submit_time_s,replicas,accel_per_replica,job_class,"
                "total_steps\nj,-5,1,1,\"GPT-2 (1.5B)\",3\n"),
            "t.csv:2:3: submit_time_s: negative");
  EXPECT_EQ(bad("job_id,submit_time_s,replicas,accel_per_replica,job_class,"
                "total_steps,accel_kinds\nj,0,1,1,\"GPT-2 (1.5B)\",3,"
                "nvidia/h100;acme/x1\n"),
            "t.csv:2:26: unknown accelerator kind 'acme/x1'");
  EXPECT_EQ(bad("job_id,submit_time_s,replicas,accel_per_replica,job_class,"
                "total_steps\nj,0,1,1,unknown,3\n"),
            "t.csv:2:9: class 'unknown' is not in the throughput table and "
            "the job has no duration_s");
}

TEST(ClusterInputTest, BadInputNamesLineAndColumn) {
  auto c = ParseCluster(
      "node_groups:\n  - name: a\n    count: -1\n"
      "    accelerator: {kind: nvidia/a100, count: 8}\n",
      "c.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), "c.yaml:3:12: count is negative");
}

TEST(HetschedSimTest, ExitsTwoOnBadInputAndZeroOnGoodInput) {
  const std::string bin = HETSCHED_SIM_BINARY;
  const std::string ok =
      absl::StrCat(bin, " --cluster ", kExamples, "/cluster.yaml --trace ",
                   kExamples, "/trace.csv --throughputs ", kExamples,
                   "/throughputs.json --output json > /dev/null");
  EXPECT_EQ(std::system(ok.c_str()), 0);
  const std::string bad =
      absl::StrCat(bin, " --cluster ", kExamples, "/trace.csv --trace ",
                   kExamples, "/trace.csv --output json 2> /dev/null");
  int status = std::system(bad.c_str());
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2);
}

}  // namespace
}  // namespace hetsched::sim
