#include "agent/agent_metrics.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <mutex>
#include <sstream>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/build_info_metric.h"
#include "nlohmann/json.hpp"
#include "prometheus/histogram.h"

namespace hetsched::agent {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

// The calibration document statuses (docs/calibration.md); anything else
// counts as "other" so a buggy tool cannot grow the label set.
const char* const kCalibrationStatuses[] = {
    "ok", "error", "verification_failed", "no_cuda_device", "other"};
const v1::TaskState kEndStates[] = {
    v1::TASK_STATE_SUCCEEDED, v1::TASK_STATE_FAILED, v1::TASK_STATE_CANCELLED,
    v1::TASK_STATE_PREEMPTED, v1::TASK_STATE_LOST};

// "TASK_STATE_RUNNING" -> "running", as the scheduler's metrics name them.
std::string StateLabel(v1::TaskState state) {
  std::string name = v1::TaskState_Name(state);
  constexpr std::string_view kPrefix = "TASK_STATE_";
  if (name.rfind(kPrefix, 0) == 0) name.erase(0, kPrefix.size());
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) {
    return static_cast<char>(std::tolower(c));
  });
  return name;
}

MetricFamily Family(const std::string& name, const std::string& help,
                    MetricType type) {
  MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = type;
  return f;
}

void Add(MetricFamily& family, std::vector<ClientMetric::Label> labels,
         double value) {
  ClientMetric m;
  m.label = std::move(labels);
  if (family.type == MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  family.metric.push_back(std::move(m));
}

// Fields of /proc/PID/stat after the command (which may hold spaces and
// parentheses, hence the last ')'); false when the process is gone.
bool ReadStat(const std::string& path, std::vector<std::string>* fields) {
  std::ifstream in(path);
  std::string text;
  if (!std::getline(in, text)) return false;
  const size_t close = text.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream rest(text.substr(close + 1));
  fields->clear();
  for (std::string f; rest >> f;) fields->push_back(std::move(f));
  return true;
}

}  // namespace

std::map<pid_t, GroupUsage> ReadGroupUsage(const std::string& proc_root,
                                           const std::set<pid_t>& groups) {
  std::map<pid_t, GroupUsage> usage;
  if (groups.empty()) return usage;
  DIR* dir = opendir(proc_root.c_str());
  if (dir == nullptr) return usage;
  static const double kTicks = static_cast<double>(sysconf(_SC_CLK_TCK));
  static const uint64_t kPage = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  std::vector<std::string> f;
  while (dirent* entry = readdir(dir)) {
    int pid = 0;
    if (!absl::SimpleAtoi(entry->d_name, &pid)) continue;
    if (!ReadStat(absl::StrCat(proc_root, "/", pid, "/stat"), &f)) continue;
    // f[0] is field 3 (state): pgrp is field 5, utime..cstime 14..17,
    // rss (pages) 24.
    if (f.size() < 22) continue;
    int pgrp = 0;
    if (!absl::SimpleAtoi(f[2], &pgrp) || groups.count(pgrp) == 0) continue;
    double ticks = 0;
    for (int i = 11; i <= 14; ++i) {
      int64_t t = 0;
      if (absl::SimpleAtoi(f[i], &t)) ticks += static_cast<double>(t);
    }
    int64_t rss_pages = 0;
    if (!absl::SimpleAtoi(f[21], &rss_pages) || rss_pages < 0) rss_pages = 0;
    GroupUsage& u = usage[pgrp];
    u.cpu_seconds += ticks / kTicks;
    u.resident_bytes += static_cast<uint64_t>(rss_pages) * kPage;
    ++u.processes;
  }
  closedir(dir);
  return usage;
}

// The state families, rebuilt at each scrape. Keeps the one piece of
// state that needs it: each running task's highest CPU reading, so the CPU
// counter keeps what ended tasks used (as of their last reading).
class AgentMetrics::StateCollectable final : public prometheus::Collectable {
 public:
  explicit StateCollectable(Sources sources) : sources_(std::move(sources)) {}

  std::vector<MetricFamily> Collect() const override {
    std::vector<MetricFamily> out;
    CollectTasks(out);
    CollectAllocations(out);
    CollectLink(out);
    CollectGpus(out);
    return out;
  }

 private:
  void CollectTasks(std::vector<MetricFamily>& out) const {
    auto tasks = Family("hetsched_agent_tasks",
                        "Replicas on this host by task state (not ended).",
                        MetricType::Gauge);
    auto ended = Family("hetsched_agent_tasks_ended_total",
                        "Replicas that ended on this host, by end state.",
                        MetricType::Counter);
    auto cpu = Family("hetsched_agent_task_cpu_seconds_total",
                      "CPU time of replicas' process groups, from /proc.",
                      MetricType::Counter);
    auto memory = Family(
        "hetsched_agent_task_memory_bytes",
        "Resident memory of running replicas' process groups, from /proc.",
        MetricType::Gauge);
    TaskManager::Stats stats;
    if (sources_.tasks) stats = sources_.tasks();
    Add(tasks, {{"state", "starting"}}, static_cast<double>(stats.starting));
    Add(tasks, {{"state", "running"}}, static_cast<double>(stats.running));
    for (v1::TaskState s : kEndStates) {
      auto it = stats.ended_total.find(s);
      Add(ended, {{"state", StateLabel(s)}},
          it == stats.ended_total.end() ? 0.0
                                        : static_cast<double>(it->second));
    }
    std::set<pid_t> groups;
    for (const auto& [id, pgid] : stats.groups) groups.insert(pgid);
    const auto usage = ReadGroupUsage(sources_.proc_root, groups);
    double resident = 0;
    double cpu_total = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      std::map<std::string, double> seen;
      for (const auto& [id, pgid] : stats.groups) {
        double best = 0;
        if (auto it = cpu_by_task_.find(id); it != cpu_by_task_.end()) {
          best = it->second;
        }
        if (auto u = usage.find(pgid); u != usage.end()) {
          best = std::max(best, u->second.cpu_seconds);
          resident += static_cast<double>(u->second.resident_bytes);
        }
        seen[id] = best;
      }
      // Tasks no longer running: what they used stays in the counter.
      for (const auto& [id, seconds] : cpu_by_task_) {
        if (seen.count(id) == 0) cpu_ended_ += seconds;
      }
      cpu_by_task_ = std::move(seen);
      cpu_total = cpu_ended_;
      for (const auto& [id, seconds] : cpu_by_task_) cpu_total += seconds;
    }
    Add(cpu, {}, cpu_total);
    Add(memory, {}, resident);
    out.push_back(std::move(tasks));
    out.push_back(std::move(ended));
    out.push_back(std::move(cpu));
    out.push_back(std::move(memory));
  }

  // One series per held accelerator (bounded by the host's devices), so
  // that GPU series join to the job: `* on(device) group_left(job, owner)`.
  void CollectAllocations(std::vector<MetricFamily>& out) const {
    auto info = Family("hetsched_agent_accelerator_allocation_info",
                       "1 for each accelerator a running replica holds, "
                       "naming its job and owner.",
                       MetricType::Gauge);
    if (sources_.allocations) {
      for (const auto& a : sources_.allocations()) {
        Add(info,
            {{"device", std::to_string(a.device)},
             {"job", a.job_id},
             {"owner", a.owner}},
            1.0);
      }
    }
    out.push_back(std::move(info));
  }

  void CollectLink(std::vector<MetricFamily>& out) const {
    auto connects = Family(
        "hetsched_agent_scheduler_connects_total",
        "Registrations with the scheduler (the first and every reconnect).",
        MetricType::Counter);
    auto connected =
        Family("hetsched_agent_scheduler_connected",
               "1 while the agent's stream to the scheduler is registered.",
               MetricType::Gauge);
    Add(connects, {},
        sources_.connects ? static_cast<double>(sources_.connects()) : 0.0);
    Add(connected, {}, sources_.connected && sources_.connected() ? 1 : 0);
    out.push_back(std::move(connects));
    out.push_back(std::move(connected));
  }

  void CollectGpus(std::vector<MetricFamily>& out) const {
    NvmlSampler* nvml = sources_.nvml;
    const bool available = nvml != nullptr && nvml->available();
    auto avail = Family("hetsched_agent_nvml_available",
                        "1 when NVML loaded and initialized on this host.",
                        MetricType::Gauge);
    Add(avail, {}, available ? 1 : 0);
    out.push_back(std::move(avail));
    auto util = Family("hetsched_agent_gpu_utilization_ratio",
                       "Fraction of time a kernel ran (NVML utilization.gpu).",
                       MetricType::Gauge);
    auto used = Family("hetsched_agent_gpu_memory_used_bytes",
                       "Framebuffer memory used.", MetricType::Gauge);
    auto total = Family("hetsched_agent_gpu_memory_total_bytes",
                        "Framebuffer memory.", MetricType::Gauge);
    auto temp = Family("hetsched_agent_gpu_temperature_celsius",
                       "GPU core temperature.", MetricType::Gauge);
    auto power = Family("hetsched_agent_gpu_power_watts", "Power draw.",
                        MetricType::Gauge);
    auto xid = Family("hetsched_agent_gpu_last_xid",
                      "The last XID error seen since the agent started; 0 "
                      "for none.",
                      MetricType::Gauge);
    auto ecc = Family("hetsched_agent_gpu_ecc_errors_total",
                      "Volatile ECC errors, by type.", MetricType::Counter);
    if (available) {
      for (const GpuSample& g : nvml->Sample()) {
        const std::vector<ClientMetric::Label> labels = {
            {"gpu", std::to_string(g.index)},
            {"uuid", g.uuid},
            {"kind", g.kind}};
        if (g.utilization_ratio) Add(util, labels, *g.utilization_ratio);
        if (g.memory_used_bytes) {
          Add(used, labels, static_cast<double>(*g.memory_used_bytes));
        }
        if (g.memory_total_bytes) {
          Add(total, labels, static_cast<double>(*g.memory_total_bytes));
        }
        if (g.temperature_celsius) Add(temp, labels, *g.temperature_celsius);
        if (g.power_watts) Add(power, labels, *g.power_watts);
        Add(xid, labels, static_cast<double>(g.last_xid));
        for (const auto& [type, count] :
             {std::pair{"single_bit", g.ecc_single_bit},
              std::pair{"double_bit", g.ecc_double_bit}}) {
          if (!count) continue;
          auto with_type = labels;
          with_type.push_back({"type", type});
          Add(ecc, with_type, static_cast<double>(*count));
        }
      }
    }
    for (auto* f : {&util, &used, &total, &temp, &power, &xid, &ecc}) {
      out.push_back(std::move(*f));
    }
  }

  const Sources sources_;
  mutable std::mutex mu_;
  mutable std::map<std::string, double> cpu_by_task_;
  mutable double cpu_ended_ = 0;
};

AgentMetrics::AgentMetrics(Sources sources)
    : registry_(std::make_shared<prometheus::Registry>()),
      state_(std::make_shared<StateCollectable>(std::move(sources))) {
  RegisterBuildInfo(*registry_);
  round_trip_ = &prometheus::BuildHistogram()
                     .Name("hetsched_agent_heartbeat_round_trip_seconds")
                     .Help(
                         "Time from a heartbeat sent to the scheduler's "
                         "acknowledgement (millisecond resolution).")
                     .Register(*registry_)
                     .Add({}, prometheus::Histogram::BucketBoundaries{
                                  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                  0.25, 0.5, 1, 2.5, 5, 10});
  calibrations_ = &prometheus::BuildCounter()
                       .Name("hetsched_agent_calibrations_total")
                       .Help(
                           "Calibration runs reported, by the document's "
                           "status.")
                       .Register(*registry_);
  for (const char* status : kCalibrationStatuses) {
    calibrations_->Add({{"status", status}});
  }
}

AgentMetrics::~AgentMetrics() = default;

std::vector<std::shared_ptr<prometheus::Collectable>>
AgentMetrics::collectables() const {
  return {registry_, state_};
}

void AgentMetrics::ObserveHeartbeatRoundTrip(absl::Duration rtt) {
  round_trip_->Observe(absl::ToDoubleSeconds(rtt));
}

void AgentMetrics::ObserveCalibration(const std::string& document_json) {
  auto doc = nlohmann::json::parse(document_json, nullptr, false);
  std::string status = "other";
  if (!doc.is_discarded() && doc.is_object() && doc.contains("status") &&
      doc["status"].is_string()) {
    const std::string s = doc["status"].get<std::string>();
    for (const char* known : kCalibrationStatuses) {
      if (s == known) status = s;
    }
  }
  calibrations_->Add({{"status", status}}).Increment();
}

std::vector<MetricFamily> AgentMetrics::Collect() const {
  std::vector<MetricFamily> out = registry_->Collect();
  std::vector<MetricFamily> state = state_->Collect();
  out.insert(out.end(), std::make_move_iterator(state.begin()),
             std::make_move_iterator(state.end()));
  return out;
}

}  // namespace hetsched::agent
