#include "agent/agent_metrics.h"

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <set>

#include "gtest/gtest.h"

namespace hetsched::agent {
namespace {

using prometheus::MetricFamily;
using prometheus::MetricType;

const MetricFamily* Find(const std::vector<MetricFamily>& families,
                         const std::string& name) {
  for (const auto& f : families) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::set<std::string> LabelNames(const MetricFamily& f) {
  std::set<std::string> names;
  for (const auto& m : f.metric) {
    for (const auto& l : m.label) names.insert(l.name);
  }
  return names;
}

// Burns a little CPU so the reading of this process is certainly > 0.
void Spin() {
  const auto end =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(50);
  volatile uint64_t x = 0;
  while (std::chrono::steady_clock::now() < end) x = x + 1;
}

AgentMetrics::Sources NoNvml() {
  AgentMetrics::Sources s;
  s.nvml = nullptr;
  return s;
}

TEST(AgentMetricsTest, FamiliesHaveTheDocumentedNamesTypesAndLabels) {
  AgentMetrics metrics(NoNvml());
  metrics.ObserveHeartbeatRoundTrip(absl::Milliseconds(3));
  const auto families = metrics.Collect();
  const std::map<std::string, std::pair<MetricType, std::set<std::string>>>
      documented = {
          {"hetsched_agent_tasks", {MetricType::Gauge, {"state"}}},
          {"hetsched_agent_tasks_ended_total",
           {MetricType::Counter, {"state"}}},
          {"hetsched_agent_task_cpu_seconds_total", {MetricType::Counter, {}}},
          {"hetsched_agent_task_memory_bytes", {MetricType::Gauge, {}}},
          {"hetsched_agent_accelerator_allocation_info",
           {MetricType::Gauge, {}}},
          {"hetsched_agent_scheduler_connects_total",
           {MetricType::Counter, {}}},
          {"hetsched_agent_scheduler_connected", {MetricType::Gauge, {}}},
          {"hetsched_agent_heartbeat_round_trip_seconds",
           {MetricType::Histogram, {}}},
          {"hetsched_build_info", {MetricType::Gauge, {"version", "revision"}}},
          {"hetsched_agent_calibrations_total",
           {MetricType::Counter, {"status"}}},
          {"hetsched_agent_nvml_available", {MetricType::Gauge, {}}},
          {"hetsched_agent_gpu_utilization_ratio", {MetricType::Gauge, {}}},
          {"hetsched_agent_gpu_memory_used_bytes", {MetricType::Gauge, {}}},
          {"hetsched_agent_gpu_memory_total_bytes", {MetricType::Gauge, {}}},
          {"hetsched_agent_gpu_temperature_celsius", {MetricType::Gauge, {}}},
          {"hetsched_agent_gpu_power_watts", {MetricType::Gauge, {}}},
          {"hetsched_agent_gpu_last_xid", {MetricType::Gauge, {}}},
          {"hetsched_agent_gpu_ecc_errors_total", {MetricType::Counter, {}}},
      };
  for (const auto& [name, expected] : documented) {
    const MetricFamily* f = Find(families, name);
    ASSERT_NE(f, nullptr) << name;
    EXPECT_EQ(f->type, expected.first) << name;
    // GPU families are empty without NVML, so they have no labels here.
    EXPECT_EQ(LabelNames(*f), expected.second) << name;
  }
  EXPECT_EQ(families.size(), documented.size());
  const MetricFamily* tasks = Find(families, "hetsched_agent_tasks");
  EXPECT_EQ(tasks->metric.size(), 2u);  // starting, running: 0 when none
  const MetricFamily* rtt =
      Find(families, "hetsched_agent_heartbeat_round_trip_seconds");
  EXPECT_EQ(rtt->metric[0].histogram.sample_count, 1u);
}

TEST(AgentMetricsTest, EachHeldAcceleratorNamesItsJobAndOwner) {
  AgentMetrics::Sources sources = NoNvml();
  sources.allocations = [] {
    return std::vector<TaskManager::DeviceAllocation>{{0, "j-000007", "alice"},
                                                      {1, "j-000007", "alice"}};
  };
  AgentMetrics metrics(sources);
  const auto families = metrics.Collect();
  const MetricFamily* info =
      Find(families, "hetsched_agent_accelerator_allocation_info");
  ASSERT_NE(info, nullptr);
  ASSERT_EQ(info->metric.size(), 2u);
  EXPECT_EQ(LabelNames(*info),
            (std::set<std::string>{"device", "job", "owner"}));
  std::map<std::string, std::string> second;
  for (const auto& l : info->metric[1].label) second[l.name] = l.value;
  EXPECT_EQ(second["device"], "1");
  EXPECT_EQ(second["job"], "j-000007");
  EXPECT_EQ(second["owner"], "alice");
  EXPECT_EQ(info->metric[1].gauge.value, 1.0);
}

TEST(AgentMetricsTest, NvmlAbsentSaysUnavailableAndHasNoGpuSeries) {
  NvmlSampler nvml("libhetsched-no-such-nvml.so.1");
  EXPECT_FALSE(nvml.available());
  EXPECT_NE(nvml.reason(), "");
  AgentMetrics::Sources sources;
  sources.nvml = &nvml;
  AgentMetrics metrics(sources);
  const auto families = metrics.Collect();
  const MetricFamily* available =
      Find(families, "hetsched_agent_nvml_available");
  ASSERT_NE(available, nullptr);
  ASSERT_EQ(available->metric.size(), 1u);
  EXPECT_EQ(available->metric[0].gauge.value, 0);
  for (const auto& f : families) {
    if (f.name.rfind("hetsched_agent_gpu_", 0) == 0) {
      EXPECT_TRUE(f.metric.empty()) << f.name;
    }
  }
}

TEST(ReadGroupUsageTest, ReadsThisProcessGroupFromProc) {
  Spin();
  const pid_t group = getpgrp();
  const auto usage = ReadGroupUsage("/proc", {group});
  ASSERT_EQ(usage.count(group), 1u);
  EXPECT_GT(usage.at(group).cpu_seconds, 0);
  EXPECT_GT(usage.at(group).resident_bytes, 0u);
  EXPECT_GE(usage.at(group).processes, 1);
  EXPECT_TRUE(ReadGroupUsage("/proc", {}).empty());
}

TEST(AgentMetricsTest, SumsRunningTasksAndKeepsCpuOfEndedOnes) {
  Spin();
  bool running = true;
  AgentMetrics::Sources sources = NoNvml();
  sources.tasks = [&running] {
    TaskManager::Stats s;
    if (running) {
      s.running = 1;
      s.groups["t0"] = getpgrp();
    } else {
      s.ended_total[v1::TASK_STATE_SUCCEEDED] = 1;
    }
    return s;
  };
  sources.connects = [] { return int64_t{2}; };
  sources.connected = [] { return true; };
  AgentMetrics metrics(sources);
  auto value = [](const std::vector<MetricFamily>& families,
                  const std::string& name, const std::string& state = "") {
    for (const auto& m : Find(families, name)->metric) {
      if (state.empty() || m.label.at(0).value == state) {
        return m.counter.value + m.gauge.value;
      }
    }
    return -1.0;
  };
  const auto first = metrics.Collect();
  const double cpu = value(first, "hetsched_agent_task_cpu_seconds_total");
  EXPECT_GT(cpu, 0);
  EXPECT_GT(value(first, "hetsched_agent_task_memory_bytes"), 0);
  EXPECT_EQ(value(first, "hetsched_agent_tasks", "running"), 1);
  EXPECT_EQ(value(first, "hetsched_agent_scheduler_connects_total"), 2);
  EXPECT_EQ(value(first, "hetsched_agent_scheduler_connected"), 1);

  running = false;
  const auto second = metrics.Collect();
  EXPECT_GE(value(second, "hetsched_agent_task_cpu_seconds_total"), cpu);
  EXPECT_EQ(value(second, "hetsched_agent_task_memory_bytes"), 0);
  EXPECT_EQ(value(second, "hetsched_agent_tasks", "running"), 0);
  EXPECT_EQ(value(second, "hetsched_agent_tasks_ended_total", "succeeded"), 1);
}

TEST(AgentMetricsTest, CountsCalibrationsByDocumentStatus) {
  AgentMetrics metrics(NoNvml());
  metrics.ObserveCalibration(R"({"schema_version": 1, "status": "ok"})");
  metrics.ObserveCalibration(R"({"status": "error", "error": "x"})");
  metrics.ObserveCalibration(R"({"status": "something new"})");
  metrics.ObserveCalibration("not json");
  std::map<std::string, double> by_status;
  for (const auto& f : metrics.Collect()) {
    if (f.name != "hetsched_agent_calibrations_total") continue;
    for (const auto& m : f.metric)
      by_status[m.label[0].value] = m.counter.value;
  }
  EXPECT_EQ(by_status,
            (std::map<std::string, double>{{"error", 1},
                                           {"no_cuda_device", 0},
                                           {"ok", 1},
                                           {"other", 2},
                                           {"verification_failed", 0}}));
}

}  // namespace
}  // namespace hetsched::agent
