// SnapshotFamilies: the scheduler's state as Prometheus families, rebuilt
// from one ClusterSnapshot. Label sets are zero-filled where a missing
// series would read as "unknown" (every state of every known queue).
#include <algorithm>
#include <cctype>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "nlohmann/json.hpp"
#include "scheduler/control/job_lifecycle.h"
#include "scheduler/control/queue_summary.h"
#include "scheduler/server/metrics.h"

namespace hetsched::server {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using Labels = std::vector<std::pair<std::string, std::string>>;

std::string Lower(const std::string& s) { return absl::AsciiStrToLower(s); }

std::string StripPrefix(const std::string& name, const std::string& prefix) {
  return absl::StartsWith(name, prefix) ? name.substr(prefix.size()) : name;
}

class FamilyBuilder {
 public:
  FamilyBuilder(std::string name, std::string help, MetricType type) {
    family_.name = std::move(name);
    family_.help = std::move(help);
    family_.type = type;
  }
  void Add(const Labels& labels, double value) {
    ClientMetric m;
    for (const auto& [k, v] : labels) m.label.push_back({k, v});
    if (family_.type == MetricType::Counter) {
      m.counter.value = value;
    } else {
      m.gauge.value = value;
    }
    family_.metric.push_back(std::move(m));
  }
  MetricFamily Take() { return std::move(family_); }

 private:
  MetricFamily family_;
};

// Figures read from a calibration document (docs/calibration.md, schema
// version 1): means over the node's devices. Absent when not measured.
struct CalibrationFigures {
  std::map<std::string, double> gemm_tflops;  // dtype -> mean TFLOP/s
  double copy_gbps = -1;
  double allreduce_busbw_gbps = -1;
};

double Number(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return -1;
  return it->get<double>();
}

CalibrationFigures ParseCalibration(const std::string& text) {
  CalibrationFigures f;
  if (text.empty()) return f;
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return f;
  std::map<std::string, std::pair<double, int>> gemm;
  double copy_sum = 0;
  int copy_n = 0;
  auto devices = doc.find("devices");
  if (devices != doc.end() && devices->is_array()) {
    for (const auto& d : *devices) {
      if (!d.is_object()) continue;
      auto g = d.find("gemm");
      if (g != d.end() && g->is_array()) {
        for (const auto& e : *g) {
          if (!e.is_object()) continue;
          auto dtype = e.find("dtype");
          double tflops = Number(e, "tflops");
          if (dtype == e.end() || !dtype->is_string() || tflops < 0) continue;
          auto& acc = gemm[dtype->get<std::string>()];
          acc.first += tflops;
          ++acc.second;
        }
      }
      auto mem = d.find("memory");
      if (mem != d.end() && mem->is_object()) {
        double gbps = Number(*mem, "copy_gbps");
        if (gbps >= 0) {
          copy_sum += gbps;
          ++copy_n;
        }
      }
    }
  }
  for (const auto& [dtype, acc] : gemm) {
    f.gemm_tflops[dtype] = acc.first / acc.second;
  }
  if (copy_n > 0) f.copy_gbps = copy_sum / copy_n;
  auto nccl = doc.find("nccl");
  if (nccl != doc.end() && nccl->is_object()) {
    auto cs = nccl->find("collectives");
    if (cs != nccl->end() && cs->is_array()) {
      for (const auto& c : *cs) {
        if (!c.is_object()) continue;
        auto name = c.find("collective");
        if (name != c.end() && name->is_string() &&
            name->get<std::string>() == "all_reduce") {
          f.allreduce_busbw_gbps = Number(c, "avg_busbw_gbps");
        }
      }
    }
  }
  return f;
}

}  // namespace

std::string JobStateLabel(v1::JobState state) {
  return Lower(StripPrefix(v1::JobState_Name(state), "JOB_STATE_"));
}
std::string TaskStateLabel(v1::TaskState state) {
  return Lower(StripPrefix(v1::TaskState_Name(state), "TASK_STATE_"));
}
std::string NodeStateLabel(v1::NodeState state) {
  return Lower(StripPrefix(v1::NodeState_Name(state), "NODE_STATE_"));
}

std::vector<MetricFamily> SnapshotFamilies(
    const control::ClusterSnapshot& s, const AcceleratorCatalogue& catalogue) {
  std::vector<MetricFamily> out;

  // --- Jobs and queues ---
  const std::vector<v1::Queue> queues = control::SummarizeQueues(s);
  std::map<std::pair<std::string, std::string>, int> by_state;
  for (const auto& j : s.jobs) ++by_state[{j.queue, JobStateLabel(j.state)}];
  for (const auto& [key, n] : s.ended_jobs) {
    by_state[{key.first, JobStateLabel(key.second)}] += static_cast<int>(n);
  }
  const v1::JobState kJobStates[] = {
      v1::JOB_STATE_PENDING, v1::JOB_STATE_RUNNING, v1::JOB_STATE_SUCCEEDED,
      v1::JOB_STATE_FAILED, v1::JOB_STATE_CANCELLED};
  FamilyBuilder jobs("hetsched_jobs",
                     "Jobs known to the scheduler, by queue and state.",
                     MetricType::Gauge);
  FamilyBuilder qdepth("hetsched_queue_pending_jobs",
                       "Jobs waiting for a placement, per queue.",
                       MetricType::Gauge);
  FamilyBuilder qage("hetsched_queue_oldest_pending_age_seconds",
                     "Age of the oldest pending job per queue; 0 when none.",
                     MetricType::Gauge);
  FamilyBuilder qheld("hetsched_queue_waiting_for_dependencies_jobs",
                      "Pending jobs held back until their dependencies "
                      "succeed (not in hetsched_queue_pending_jobs).",
                      MetricType::Gauge);
  for (const v1::Queue& q : queues) {
    for (v1::JobState st : kJobStates) {
      std::string label = JobStateLabel(st);
      auto it = by_state.find({q.name(), label});
      jobs.Add({{"queue", q.name()}, {"state", label}},
               it == by_state.end() ? 0 : it->second);
    }
    qdepth.Add({{"queue", q.name()}}, q.pending_jobs());
    qage.Add({{"queue", q.name()}}, q.oldest_pending_age_s());
    qheld.Add({{"queue", q.name()}}, q.waiting_for_dependencies());
  }
  out.push_back(jobs.Take());
  out.push_back(qdepth.Take());
  out.push_back(qage.Take());
  out.push_back(qheld.Take());

  // --- Accelerators and nodes ---
  using Key = std::tuple<std::string, std::string, std::string>;
  std::map<Key, int> total, allocated, degraded, free;
  std::map<std::string, int> kind_total;
  std::map<std::string, int> node_states;
  FamilyBuilder info("hetsched_node_info",
                     "1 per registered node; labels describe it.",
                     MetricType::Gauge);
  FamilyBuilder node_state("hetsched_node_state",
                           "1 for the node's current state.",
                           MetricType::Gauge);
  FamilyBuilder node_alloc("hetsched_node_accelerators_allocated",
                           "Accelerators of the node held by replicas.",
                           MetricType::Gauge);
  FamilyBuilder node_degraded(
      "hetsched_node_degraded",
      "1 for a node marked degraded by calibration; reason says why.",
      MetricType::Gauge);
  FamilyBuilder node_unhealthy(
      "hetsched_node_unhealthy",
      "1 for a node whose agent reports it can take no work (e.g. its disk "
      "is nearly full); reason says why.",
      MetricType::Gauge);
  FamilyBuilder heartbeat("hetsched_node_last_heartbeat_timestamp_seconds",
                          "Unix time of the node agent's last heartbeat.",
                          MetricType::Gauge);
  FamilyBuilder speed("hetsched_node_speed_factor",
                      "Measured over catalogue throughput; 1 when unmeasured.",
                      MetricType::Gauge);
  FamilyBuilder cal_time("hetsched_node_calibration_timestamp_seconds",
                         "Unix time of the node's latest calibration.",
                         MetricType::Gauge);
  FamilyBuilder cal_gemm("hetsched_node_calibration_gemm_flops_per_second",
                         "Measured dense GEMM rate per accelerator (mean "
                         "over devices), by dtype.",
                         MetricType::Gauge);
  FamilyBuilder cal_mem(
      "hetsched_node_calibration_memory_bandwidth_bytes_per_second",
      "Measured device memory copy bandwidth per accelerator (mean).",
      MetricType::Gauge);
  FamilyBuilder cal_ar(
      "hetsched_node_calibration_allreduce_busbw_bytes_per_second",
      "Measured NCCL all-reduce average bus bandwidth of the node.",
      MetricType::Gauge);
  FamilyBuilder cal_ratio("hetsched_node_calibration_ratio",
                          "Measured figure over the catalogue's datasheet "
                          "figure for the node's kind.",
                          MetricType::Gauge);
  for (const auto& n : s.nodes) {
    const std::string& name = n.info().name();
    const std::string kind = control::NodeKind(n);
    const auto& topo = n.info().topology();
    const std::string state = NodeStateLabel(n.state());
    ++node_states[state];
    Key key{kind, topo.provider(), topo.ultraserver()};
    int count = n.info().accelerators_size();
    total[key] += count;
    kind_total[kind] += count;
    allocated[key] += static_cast<int>(n.accelerators_allocated());
    if (n.degraded()) degraded[key] += count;
    if (n.state() == v1::NODE_STATE_READY) {
      free[key] +=
          std::max(0, count - static_cast<int>(n.accelerators_allocated()));
    } else {
      free[key] += 0;
    }
    info.Add({{"node", name},
              {"kind", kind},
              {"provider", topo.provider()},
              {"region", topo.region()},
              {"ultraserver", topo.ultraserver()},
              {"instance_type", n.info().instance_type()},
              {"discovery", n.info().discovery()}},
             1);
    node_state.Add({{"node", name}, {"state", state}}, 1);
    node_alloc.Add({{"node", name}, {"kind", kind}},
                   n.accelerators_allocated());
    if (n.degraded()) {
      std::string reason = n.state_reason().substr(0, 120);
      node_degraded.Add({{"node", name}, {"kind", kind}, {"reason", reason}},
                        1);
    }
    if (!n.unhealthy_reason().empty() && n.connected()) {
      node_unhealthy.Add({{"node", name},
                          {"kind", kind},
                          {"reason", n.unhealthy_reason().substr(0, 120)}},
                         1);
    }
    heartbeat.Add({{"node", name}}, n.last_heartbeat_ms() / 1000.0);
    speed.Add({{"node", name}, {"kind", kind}},
              n.speed_factor() > 0 ? n.speed_factor() : 1.0);
    if (n.calibrated_at_ms() > 0) {
      cal_time.Add({{"node", name}}, n.calibrated_at_ms() / 1000.0);
    }
    CalibrationFigures f = ParseCalibration(n.calibration_json());
    const AcceleratorSpec* spec = catalogue.Find(kind);
    for (const auto& [dtype, tflops] : f.gemm_tflops) {
      cal_gemm.Add({{"node", name}, {"kind", kind}, {"dtype", dtype}},
                   tflops * 1e12);
      if (dtype == "bf16" && spec != nullptr && spec->bf16_tflops > 0) {
        cal_ratio.Add({{"node", name}, {"kind", kind}, {"figure", "gemm_bf16"}},
                      tflops / spec->bf16_tflops);
      }
    }
    if (f.copy_gbps >= 0) {
      cal_mem.Add({{"node", name}, {"kind", kind}}, f.copy_gbps * 1e9);
      if (spec != nullptr && spec->memory_bandwidth_gbps > 0) {
        cal_ratio.Add(
            {{"node", name}, {"kind", kind}, {"figure", "memory_bandwidth"}},
            f.copy_gbps / spec->memory_bandwidth_gbps);
      }
    }
    if (f.allreduce_busbw_gbps >= 0) {
      cal_ar.Add({{"node", name}, {"kind", kind}},
                 f.allreduce_busbw_gbps * 1e9);
    }
  }
  FamilyBuilder acc("hetsched_accelerators",
                    "Accelerators of registered nodes (any state).",
                    MetricType::Gauge);
  FamilyBuilder acc_alloc("hetsched_accelerators_allocated",
                          "Accelerators held by replicas.", MetricType::Gauge);
  FamilyBuilder acc_deg("hetsched_accelerators_degraded",
                        "Accelerators on nodes marked degraded.",
                        MetricType::Gauge);
  FamilyBuilder acc_free("hetsched_accelerators_free",
                         "Accelerators on READY nodes not held by replicas.",
                         MetricType::Gauge);
  for (const auto& [key, count] : total) {
    Labels l = {{"kind", std::get<0>(key)},
                {"provider", std::get<1>(key)},
                {"ultraserver", std::get<2>(key)}};
    acc.Add(l, count);
    acc_alloc.Add(l, allocated[key]);
    acc_deg.Add(l, degraded[key]);
    acc_free.Add(l, free[key]);
  }
  for (auto* f : {&acc, &acc_alloc, &acc_deg, &acc_free})
    out.push_back(f->Take());

  FamilyBuilder nodes("hetsched_nodes", "Registered nodes by state.",
                      MetricType::Gauge);
  for (v1::NodeState st : {v1::NODE_STATE_READY, v1::NODE_STATE_DRAINING,
                           v1::NODE_STATE_DRAINED, v1::NODE_STATE_DEGRADED,
                           v1::NODE_STATE_LOST, v1::NODE_STATE_UNHEALTHY}) {
    nodes.Add({{"state", NodeStateLabel(st)}}, node_states[NodeStateLabel(st)]);
  }
  out.push_back(nodes.Take());
  for (auto* f : {&info, &node_state, &node_alloc, &node_degraded,
                  &node_unhealthy, &heartbeat, &speed, &cal_time, &cal_gemm,
                  &cal_mem, &cal_ar, &cal_ratio}) {
    out.push_back(f->Take());
  }

  // --- Allocation per queue ---
  FamilyBuilder q_alloc("hetsched_queue_allocated_accelerators",
                        "Accelerators held by the queue's replicas, by kind.",
                        MetricType::Gauge);
  FamilyBuilder q_share("hetsched_queue_allocation_share",
                        "The queue's allocated accelerators over the "
                        "fleet's accelerators of that kind (0..1).",
                        MetricType::Gauge);
  FamilyBuilder q_quota("hetsched_queue_nominal_quota_accelerators",
                        "Accelerators the queue is guaranteed, by kind "
                        "(queues with a quota in --queues only).",
                        MetricType::Gauge);
  FamilyBuilder q_borrowed("hetsched_queue_borrowed_accelerators",
                           "Accelerators the queue holds beyond its quota, "
                           "lent by its cohort, by kind.",
                           MetricType::Gauge);
  for (const v1::Queue& q : queues) {
    std::map<std::string, const v1::QueueKindUsage*> usage;
    for (const v1::QueueKindUsage& k : q.kinds()) usage[k.kind()] = &k;
    for (const auto& [kind, kt] : kind_total) {
      if (kind.empty()) continue;
      auto it = usage.find(kind);
      const int a =
          it == usage.end() ? 0 : static_cast<int>(it->second->used());
      q_alloc.Add({{"queue", q.name()}, {"kind", kind}}, a);
      q_share.Add({{"queue", q.name()}, {"kind", kind}},
                  kt > 0 ? static_cast<double>(a) / kt : 0);
    }
    if (!q.has_quota()) continue;
    for (const v1::QueueKindUsage& k : q.kinds()) {
      q_quota.Add({{"queue", q.name()}, {"kind", k.kind()}}, k.nominal());
      q_borrowed.Add({{"queue", q.name()}, {"kind", k.kind()}}, k.borrowed());
    }
  }
  out.push_back(q_alloc.Take());
  out.push_back(q_share.Take());
  out.push_back(q_quota.Take());
  out.push_back(q_borrowed.Take());

  // --- Counters kept by the control plane ---
  const auto& c = s.counters;
  auto counter = [&out](const char* name, const char* help, double v) {
    FamilyBuilder f(name, help, MetricType::Counter);
    f.Add({}, v);
    out.push_back(f.Take());
  };
  counter("hetsched_placements_total", "Jobs placed (whole gangs).",
          c.placements);
  counter("hetsched_preemptions_total", "Preemptions issued.", c.preemptions);
  counter("hetsched_requeues_total", "Preempted jobs queued again.",
          c.requeues);
  counter("hetsched_task_failures_total",
          "Replicas that exited with a failure.", c.task_failures);
  counter("hetsched_nodes_lost_total", "Nodes declared LOST (no heartbeat).",
          c.nodes_lost);
  counter("hetsched_scheduling_passes_total", "Scheduling passes run.",
          c.passes);
  counter("hetsched_allocation_solves_total",
          "Allocation LP solutions the scheduling pass took.",
          c.allocation_solves);
  counter("hetsched_allocation_solver_failures_total",
          "Allocation solves that failed; hetero placed until the next.",
          c.allocation_solver_failures);
  counter("hetsched_allocation_solver_cpu_seconds_total",
          "CPU seconds of the allocation solver thread.",
          c.allocation_solver_cpu_s);
  return out;
}

}  // namespace hetsched::server
