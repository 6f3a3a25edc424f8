#include "scheduler/control/queue_summary.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>

namespace hetsched::control {
namespace {

struct QueueTally {
  int pending = 0;
  int waiting_for_dependencies = 0;
  int running = 0;
  int64_t oldest_pending_ms = 0;
  std::map<std::string, int> used;  // kind -> accelerators
};

}  // namespace

std::vector<v1::Queue> SummarizeQueues(const ClusterSnapshot& snapshot) {
  const int64_t now_ms = absl::ToUnixMillis(snapshot.taken_at);
  std::map<std::string, QueueTally> tallies = {{"default", {}}};
  std::map<std::string, const core::QueueConfig*> configs;
  for (const core::QueueConfig& config : snapshot.queue_configs) {
    configs[config.name] = &config;
    tallies[config.name];
  }
  for (const auto& [key, n] : snapshot.ended_jobs) tallies[key.first];
  for (const JobBrief& job : snapshot.jobs) {
    QueueTally& tally = tallies[job.queue];
    if (job.waiting_for_dependencies) {
      ++tally.waiting_for_dependencies;
    } else if (job.state == v1::JOB_STATE_PENDING) {
      ++tally.pending;
      tally.oldest_pending_ms =
          std::max(tally.oldest_pending_ms,
                   std::max<int64_t>(0, now_ms - job.submit_time_ms));
    } else if (job.state == v1::JOB_STATE_RUNNING) {
      ++tally.running;
    }
    for (const auto& [kind, n] : job.allocated_by_kind) tally.used[kind] += n;
  }

  std::vector<v1::Queue> out;
  out.reserve(tallies.size());
  for (const auto& [name, tally] : tallies) {
    v1::Queue q;
    q.set_name(name);
    q.set_weight(1);
    auto config = configs.find(name);
    std::map<std::string, int> nominal;
    if (config != configs.end()) {
      q.set_configured(true);
      q.set_weight(config->second->weight);
      q.set_cohort(config->second->cohort);
      nominal = config->second->nominal_quota;
      q.set_has_quota(!nominal.empty());
    }
    std::set<std::string> kinds;
    for (const auto& [kind, n] : nominal) kinds.insert(kind);
    for (const auto& [kind, n] : tally.used) {
      if (!kind.empty() && n > 0) kinds.insert(kind);
    }
    for (const std::string& kind : kinds) {
      v1::QueueKindUsage* usage = q.add_kinds();
      usage->set_kind(kind);
      auto n = nominal.find(kind);
      auto u = tally.used.find(kind);
      const int nominal_n = n == nominal.end() ? 0 : n->second;
      const int used_n = u == tally.used.end() ? 0 : u->second;
      usage->set_nominal(static_cast<uint32_t>(nominal_n));
      usage->set_used(static_cast<uint32_t>(used_n));
      if (q.has_quota() && used_n > nominal_n) {
        usage->set_borrowed(static_cast<uint32_t>(used_n - nominal_n));
      }
    }
    q.set_pending_jobs(static_cast<uint32_t>(tally.pending));
    q.set_waiting_for_dependencies(
        static_cast<uint32_t>(tally.waiting_for_dependencies));
    q.set_running_jobs(static_cast<uint32_t>(tally.running));
    q.set_oldest_pending_age_s(tally.oldest_pending_ms / 1000.0);
    out.push_back(std::move(q));
  }
  return out;
}

}  // namespace hetsched::control
