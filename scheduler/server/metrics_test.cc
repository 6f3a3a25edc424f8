#include "scheduler/server/metrics.h"

#include <map>
#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/text_serializer.h"

namespace hetsched::server {
namespace {

using prometheus::MetricFamily;
using prometheus::MetricType;

// The documented families (docs/metrics.md): name, type, label names.
struct Documented {
  const char* name;
  MetricType type;
  std::set<std::string> labels;
};

const Documented kDocumented[] = {
    {"hetsched_jobs", MetricType::Gauge, {"queue", "state"}},
    {"hetsched_queue_pending_jobs", MetricType::Gauge, {"queue"}},
    {"hetsched_queue_oldest_pending_age_seconds", MetricType::Gauge, {"queue"}},
    {"hetsched_queue_waiting_for_dependencies_jobs",
     MetricType::Gauge,
     {"queue"}},
    {"hetsched_accelerators",
     MetricType::Gauge,
     {"kind", "provider", "ultraserver"}},
    {"hetsched_accelerators_allocated",
     MetricType::Gauge,
     {"kind", "provider", "ultraserver"}},
    {"hetsched_accelerators_degraded",
     MetricType::Gauge,
     {"kind", "provider", "ultraserver"}},
    {"hetsched_accelerators_free",
     MetricType::Gauge,
     {"kind", "provider", "ultraserver"}},
    {"hetsched_queue_allocated_accelerators",
     MetricType::Gauge,
     {"queue", "kind"}},
    {"hetsched_queue_allocation_share", MetricType::Gauge, {"queue", "kind"}},
    {"hetsched_queue_nominal_quota_accelerators",
     MetricType::Gauge,
     {"queue", "kind"}},
    {"hetsched_queue_borrowed_accelerators",
     MetricType::Gauge,
     {"queue", "kind"}},
    {"hetsched_nodes", MetricType::Gauge, {"state"}},
    {"hetsched_node_info",
     MetricType::Gauge,
     {"node", "kind", "provider", "region", "ultraserver", "instance_type",
      "discovery"}},
    {"hetsched_node_state", MetricType::Gauge, {"node", "state"}},
    {"hetsched_node_accelerators_allocated",
     MetricType::Gauge,
     {"node", "kind"}},
    {"hetsched_node_degraded", MetricType::Gauge, {"node", "kind", "reason"}},
    {"hetsched_node_unhealthy", MetricType::Gauge, {"node", "kind", "reason"}},
    {"hetsched_node_last_heartbeat_timestamp_seconds",
     MetricType::Gauge,
     {"node"}},
    {"hetsched_node_speed_factor", MetricType::Gauge, {"node", "kind"}},
    {"hetsched_node_calibration_timestamp_seconds",
     MetricType::Gauge,
     {"node"}},
    {"hetsched_node_calibration_gemm_flops_per_second",
     MetricType::Gauge,
     {"node", "kind", "dtype"}},
    {"hetsched_node_calibration_memory_bandwidth_bytes_per_second",
     MetricType::Gauge,
     {"node", "kind"}},
    {"hetsched_node_calibration_allreduce_busbw_bytes_per_second",
     MetricType::Gauge,
     {"node", "kind"}},
    {"hetsched_node_calibration_ratio",
     MetricType::Gauge,
     {"node", "kind", "figure"}},
    {"hetsched_placements_total", MetricType::Counter, {}},
    {"hetsched_preemptions_total", MetricType::Counter, {}},
    {"hetsched_requeues_total", MetricType::Counter, {}},
    {"hetsched_task_failures_total", MetricType::Counter, {}},
    {"hetsched_nodes_lost_total", MetricType::Counter, {}},
    {"hetsched_scheduling_passes_total", MetricType::Counter, {}},
    {"hetsched_allocation_solves_total", MetricType::Counter, {}},
    {"hetsched_allocation_solver_failures_total", MetricType::Counter, {}},
    {"hetsched_allocation_solver_cpu_seconds_total", MetricType::Counter, {}},
    {"hetsched_jobs_finished_total", MetricType::Counter, {"queue", "state"}},
    {"hetsched_tasks_ended_total", MetricType::Counter, {"queue", "state"}},
    {"hetsched_job_submit_to_placed_seconds", MetricType::Histogram, {"queue"}},
    {"hetsched_job_submit_to_running_seconds",
     MetricType::Histogram,
     {"queue"}},
    {"hetsched_scheduling_pass_duration_seconds", MetricType::Histogram, {}},
    {"hetsched_grpc_server_handled_total",
     MetricType::Counter,
     {"method", "code"}},
    {"hetsched_grpc_server_handling_seconds",
     MetricType::Histogram,
     {"method"}},
    {"hetsched_store_write_duration_seconds", MetricType::Histogram, {}},
    {"hetsched_store_writes_total", MetricType::Counter, {"result"}},
    {"hetsched_leader", MetricType::Gauge, {}},
    {"hetsched_build_info", MetricType::Gauge, {"version", "revision"}},
    {"hetsched_leader_changes_total", MetricType::Counter, {}},
};

const MetricFamily* Find(const std::vector<MetricFamily>& fs,
                         const std::string& name) {
  for (const auto& f : fs) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

// The value of the series of `name` whose labels include `want`.
double Value(const std::vector<MetricFamily>& fs, const std::string& name,
             const std::map<std::string, std::string>& want) {
  const MetricFamily* f = Find(fs, name);
  if (f == nullptr) return -1;
  for (const auto& m : f->metric) {
    bool match = true;
    for (const auto& [k, v] : want) {
      bool found = false;
      for (const auto& l : m.label) found |= l.name == k && l.value == v;
      match &= found;
    }
    if (!match) continue;
    switch (f->type) {
      case MetricType::Counter:
        return m.counter.value;
      case MetricType::Gauge:
        return m.gauge.value;
      case MetricType::Histogram:
        return m.histogram.sample_count;
      default:
        return -1;
    }
  }
  return -1;
}

v1::Node MakeNode(const std::string& name, const std::string& kind, int n,
                  int allocated, v1::NodeState state) {
  v1::Node node;
  node.mutable_info()->set_name(name);
  node.mutable_info()->mutable_topology()->set_provider("aws");
  node.mutable_info()->mutable_topology()->set_ultraserver("us-1");
  for (int i = 0; i < n; ++i) {
    auto* a = node.mutable_info()->add_accelerators();
    a->set_index(i);
    a->set_kind(kind);
  }
  node.set_state(state);
  node.set_accelerators_allocated(allocated);
  return node;
}

control::JobBrief MakeJob(const std::string& id, const std::string& queue,
                          v1::JobState state, int64_t submit_ms) {
  control::JobBrief j;
  j.id = id;
  j.queue = queue;
  j.state = state;
  j.submit_time_ms = submit_ms;
  return j;
}

control::ClusterSnapshot Sample() {
  control::ClusterSnapshot s;
  s.taken_at = absl::FromUnixMillis(100'000);
  auto running = MakeJob("j1", "research", v1::JOB_STATE_RUNNING, 10'000);
  running.start_time_ms = 12'000;
  running.allocated_by_kind["nvidia/h100"] = 4;
  s.jobs.push_back(running);
  s.jobs.push_back(MakeJob("j2", "research", v1::JOB_STATE_PENDING, 40'000));
  s.jobs.push_back(MakeJob("j3", "prod", v1::JOB_STATE_PENDING, 70'000));
  auto held = MakeJob("j5", "prod", v1::JOB_STATE_PENDING, 5'000);
  held.waiting_for_dependencies = true;
  s.jobs.push_back(held);
  s.jobs.push_back(MakeJob("j4", "prod", v1::JOB_STATE_SUCCEEDED, 1'000));
  s.nodes.push_back(
      MakeNode("h100-0", "nvidia/h100", 8, 4, v1::NODE_STATE_READY));
  v1::Node degraded =
      MakeNode("h100-1", "nvidia/h100", 8, 0, v1::NODE_STATE_DEGRADED);
  degraded.set_degraded(true);
  degraded.set_state_reason("bf16 GEMM 0.61 of catalogue");
  degraded.set_calibration_json(R"({"schema_version":1,"status":"ok",
    "devices":[{"index":0,"gemm":[{"dtype":"bf16","tflops":600}],
                "memory":{"copy_gbps":3000}},
               {"index":1,"gemm":[{"dtype":"bf16","tflops":610}],
                "memory":{"copy_gbps":3100}}],
    "nccl":{"collectives":[{"collective":"all_reduce","avg_busbw_gbps":450}]}})");
  degraded.set_calibrated_at_ms(90'000);
  s.nodes.push_back(degraded);
  s.nodes.push_back(
      MakeNode("trn2-0", "aws/trainium2", 16, 0, v1::NODE_STATE_LOST));
  v1::Node full =
      MakeNode("b200-0", "nvidia/b200", 8, 0, v1::NODE_STATE_UNHEALTHY);
  full.set_connected(true);
  full.set_unhealthy_reason("disk nearly full: 512 MiB free");
  s.nodes.push_back(full);
  s.counters.placements = 3;
  s.counters.nodes_lost = 1;
  core::QueueConfig research;
  research.name = "research";
  research.cohort = "lab";
  research.nominal_quota = {{"nvidia/h100", 2}, {"aws/trainium2", 16}};
  s.queue_configs = {research};
  return s;
}

TEST(SchedulerMetricsTest, EveryDocumentedFamilyExistsWithItsTypeAndLabels) {
  SchedulerMetrics metrics;
  metrics.Update(Sample());
  metrics.Update(Sample());
  metrics.ObservePass(absl::Milliseconds(3));
  metrics.ObserveRpc("/hetsched.v1.JobService/ListJobs", "OK",
                     absl::Milliseconds(1));
  metrics.ObserveStoreWrite(absl::Milliseconds(2), true);
  auto families = metrics.Collect();
  for (const Documented& d : kDocumented) {
    SCOPED_TRACE(d.name);
    const MetricFamily* f = Find(families, d.name);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->type, d.type);
    EXPECT_FALSE(f->help.empty());
    ASSERT_FALSE(f->metric.empty());
    for (const auto& m : f->metric) {
      std::set<std::string> names;
      for (const auto& l : m.label) names.insert(l.name);
      EXPECT_EQ(names, d.labels);
    }
  }
  // Nothing undocumented slips out.
  for (const auto& f : families) {
    bool known = false;
    for (const Documented& d : kDocumented) known |= f.name == d.name;
    EXPECT_TRUE(known) << f.name;
  }
}

TEST(SchedulerMetricsTest, NoLabelCarriesAJobId) {
  SchedulerMetrics metrics;
  metrics.Update(Sample());
  std::string text = prometheus::TextSerializer().Serialize(metrics.Collect());
  EXPECT_THAT(text, ::testing::Not(::testing::HasSubstr("\"j1\"")));
  EXPECT_THAT(text, ::testing::Not(::testing::HasSubstr("job_id")));
}

TEST(SnapshotFamiliesTest, CountsJobsQueuesAndAccelerators) {
  auto fs = SnapshotFamilies(Sample(), AcceleratorCatalogue::BuiltIn());
  EXPECT_EQ(
      Value(fs, "hetsched_jobs", {{"queue", "research"}, {"state", "running"}}),
      1);
  EXPECT_EQ(
      Value(fs, "hetsched_jobs", {{"queue", "research"}, {"state", "failed"}}),
      0);
  EXPECT_EQ(
      Value(fs, "hetsched_jobs", {{"queue", "prod"}, {"state", "succeeded"}}),
      1);
  EXPECT_EQ(Value(fs, "hetsched_queue_pending_jobs", {{"queue", "prod"}}), 1);
  EXPECT_EQ(Value(fs, "hetsched_queue_waiting_for_dependencies_jobs",
                  {{"queue", "prod"}}),
            1);
  // The held job is older, but it waits for another job, not for room.
  EXPECT_EQ(Value(fs, "hetsched_queue_oldest_pending_age_seconds",
                  {{"queue", "prod"}}),
            30);
  EXPECT_EQ(Value(fs, "hetsched_queue_pending_jobs", {{"queue", "default"}}),
            0);
  EXPECT_EQ(Value(fs, "hetsched_queue_oldest_pending_age_seconds",
                  {{"queue", "research"}}),
            60);
  EXPECT_EQ(Value(fs, "hetsched_accelerators", {{"kind", "nvidia/h100"}}), 16);
  EXPECT_EQ(
      Value(fs, "hetsched_accelerators_allocated", {{"kind", "nvidia/h100"}}),
      4);
  EXPECT_EQ(
      Value(fs, "hetsched_accelerators_degraded", {{"kind", "nvidia/h100"}}),
      8);
  EXPECT_EQ(Value(fs, "hetsched_accelerators_free", {{"kind", "nvidia/h100"}}),
            4);
  EXPECT_EQ(
      Value(fs, "hetsched_accelerators_free", {{"kind", "aws/trainium2"}}), 0);
  EXPECT_EQ(Value(fs, "hetsched_queue_allocated_accelerators",
                  {{"queue", "research"}, {"kind", "nvidia/h100"}}),
            4);
  EXPECT_DOUBLE_EQ(Value(fs, "hetsched_queue_allocation_share",
                         {{"queue", "research"}, {"kind", "nvidia/h100"}}),
                   0.25);
  EXPECT_EQ(Value(fs, "hetsched_queue_nominal_quota_accelerators",
                  {{"queue", "research"}, {"kind", "aws/trainium2"}}),
            16);
  EXPECT_EQ(Value(fs, "hetsched_queue_borrowed_accelerators",
                  {{"queue", "research"}, {"kind", "nvidia/h100"}}),
            2);  // 4 held on a quota of 2
  EXPECT_EQ(Value(fs, "hetsched_queue_nominal_quota_accelerators",
                  {{"queue", "prod"}}),
            -1);  // no quota, no series
  EXPECT_EQ(Value(fs, "hetsched_nodes", {{"state", "lost"}}), 1);
  EXPECT_EQ(Value(fs, "hetsched_nodes", {{"state", "drained"}}), 0);
  EXPECT_EQ(Value(fs, "hetsched_nodes", {{"state", "unhealthy"}}), 1);
  EXPECT_EQ(
      Value(fs, "hetsched_node_unhealthy",
            {{"node", "b200-0"}, {"reason", "disk nearly full: 512 MiB free"}}),
      1);
  EXPECT_EQ(Value(fs, "hetsched_placements_total", {}), 3);
  EXPECT_EQ(
      Value(fs, "hetsched_node_degraded",
            {{"node", "h100-1"}, {"reason", "bf16 GEMM 0.61 of catalogue"}}),
      1);
}

TEST(SnapshotFamiliesTest, ReadsCalibrationAndComparesWithTheCatalogue) {
  auto fs = SnapshotFamilies(Sample(), AcceleratorCatalogue::BuiltIn());
  EXPECT_DOUBLE_EQ(Value(fs, "hetsched_node_calibration_gemm_flops_per_second",
                         {{"node", "h100-1"}, {"dtype", "bf16"}}),
                   605e12);
  EXPECT_DOUBLE_EQ(
      Value(fs, "hetsched_node_calibration_memory_bandwidth_bytes_per_second",
            {{"node", "h100-1"}}),
      3050e9);
  EXPECT_DOUBLE_EQ(
      Value(fs, "hetsched_node_calibration_allreduce_busbw_bytes_per_second",
            {{"node", "h100-1"}}),
      450e9);
  const AcceleratorSpec* h100 =
      AcceleratorCatalogue::BuiltIn().Find("nvidia/h100");
  ASSERT_NE(h100, nullptr);
  EXPECT_DOUBLE_EQ(Value(fs, "hetsched_node_calibration_ratio",
                         {{"node", "h100-1"}, {"figure", "gemm_bf16"}}),
                   605 / h100->bf16_tflops);
  // A node without a document has no calibration series.
  EXPECT_EQ(Value(fs, "hetsched_node_calibration_ratio", {{"node", "h100-0"}}),
            -1);
}

TEST(SnapshotFamiliesTest, IgnoresACalibrationDocumentItCannotRead) {
  auto s = Sample();
  s.nodes[0].set_calibration_json("{not json");
  auto fs = SnapshotFamilies(s, AcceleratorCatalogue::BuiltIn());
  EXPECT_EQ(Value(fs, "hetsched_node_calibration_ratio", {{"node", "h100-0"}}),
            -1);
}

TEST(SchedulerMetricsTest, CountsTheJobTransitionsItIsGiven) {
  SchedulerMetrics metrics;
  metrics.Update(Sample());
  auto fs = metrics.Collect();
  // Series exist at zero for every queue of the snapshot.
  EXPECT_EQ(Value(fs, "hetsched_job_submit_to_running_seconds",
                  {{"queue", "research"}}),
            0);
  EXPECT_EQ(Value(fs, "hetsched_jobs_finished_total",
                  {{"queue", "prod"}, {"state", "succeeded"}}),
            0);

  using Type = control::JobTransition::Type;
  metrics.Record({
      {Type::kPlaced, "prod", v1::JOB_STATE_UNSPECIFIED,
       v1::TASK_STATE_UNSPECIFIED, absl::Milliseconds(3)},
      {Type::kRunning, "prod", v1::JOB_STATE_UNSPECIFIED,
       v1::TASK_STATE_UNSPECIFIED, absl::Milliseconds(40)},
      {Type::kTaskEnded, "prod", v1::JOB_STATE_UNSPECIFIED, v1::TASK_STATE_LOST,
       absl::ZeroDuration()},
      {Type::kTaskEnded, "prod", v1::JOB_STATE_UNSPECIFIED,
       v1::TASK_STATE_CANCELLED, absl::ZeroDuration()},
      {Type::kFinished, "prod", v1::JOB_STATE_FAILED,
       v1::TASK_STATE_UNSPECIFIED, absl::ZeroDuration()},
  });
  fs = metrics.Collect();
  EXPECT_EQ(
      Value(fs, "hetsched_job_submit_to_placed_seconds", {{"queue", "prod"}}),
      1);
  EXPECT_EQ(
      Value(fs, "hetsched_job_submit_to_running_seconds", {{"queue", "prod"}}),
      1);
  EXPECT_EQ(Value(fs, "hetsched_jobs_finished_total",
                  {{"queue", "prod"}, {"state", "failed"}}),
            1);
  EXPECT_EQ(Value(fs, "hetsched_tasks_ended_total",
                  {{"queue", "prod"}, {"state", "lost"}}),
            1);
  EXPECT_EQ(Value(fs, "hetsched_tasks_ended_total",
                  {{"queue", "prod"}, {"state", "cancelled"}}),
            1);
}

}  // namespace
}  // namespace hetsched::server
