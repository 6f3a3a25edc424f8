#include "scheduler/control/usage_report.h"

#include <algorithm>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"

namespace hetsched::control {
namespace {

constexpr double kMsPerHour = 3600.0 * 1000.0;

struct Tally {
  double accelerator_hours = 0;
  double cost = 0;
  std::set<std::string> jobs;
};

std::string KeyOf(const std::string& group_by, const v1::Job& job,
                  const v1::Task& task) {
  if (group_by == "queue") {
    return job.spec().queue().empty() ? "default" : job.spec().queue();
  }
  if (group_by == "kind") return task.accelerator_kind();
  if (group_by == "job") return job.id();
  return job.spec().owner();
}

}  // namespace

absl::StatusOr<v1::GetUsageResponse> ComputeUsage(
    const JobMap& jobs, const std::map<std::string, double>& price_by_node,
    const v1::GetUsageRequest& request, int64_t now_ms, const JobMap& retired) {
  const std::string group_by =
      request.group_by().empty() ? "owner" : request.group_by();
  if (group_by != "owner" && group_by != "queue" && group_by != "kind" &&
      group_by != "job") {
    return absl::InvalidArgumentError(absl::StrCat(
        "group_by: must be owner, queue, kind or job, got '", group_by, "'"));
  }
  const int64_t since = std::max<int64_t>(0, request.since_ms());
  const int64_t until = request.until_ms() == 0 ? now_ms : request.until_ms();
  if (until < since) {
    return absl::InvalidArgumentError("until_ms: must not be before since_ms");
  }

  std::map<std::string, Tally> tallies;
  for (const JobMap* map : {&jobs, &retired}) {
    for (const auto& [id, job] : *map) {
      for (const v1::Task& task : job.tasks()) {
        if (task.start_time_ms() == 0 || task.device_indices_size() == 0) {
          continue;  // never ran, or held no accelerator
        }
        const int64_t end =
            task.end_time_ms() != 0 ? task.end_time_ms() : now_ms;
        const int64_t from = std::max(task.start_time_ms(), since);
        const int64_t to = std::min(end, until);
        if (to <= from) continue;
        const double hours = static_cast<double>(to - from) / kMsPerHour *
                             task.device_indices_size();
        auto price = price_by_node.find(task.node());
        Tally& tally = tallies[KeyOf(group_by, job, task)];
        tally.accelerator_hours += hours;
        tally.cost += price == price_by_node.end() ? 0 : hours * price->second;
        tally.jobs.insert(id);
      }
    }
  }

  v1::GetUsageResponse response;
  response.set_since_ms(since);
  response.set_until_ms(until);
  std::vector<v1::UsageRow> rows;
  for (const auto& [key, tally] : tallies) {
    v1::UsageRow& row = rows.emplace_back();
    row.set_key(key);
    row.set_accelerator_hours(tally.accelerator_hours);
    row.set_cost(tally.cost);
    row.set_jobs(static_cast<uint32_t>(tally.jobs.size()));
    response.set_total_accelerator_hours(response.total_accelerator_hours() +
                                         tally.accelerator_hours);
    response.set_total_cost(response.total_cost() + tally.cost);
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const v1::UsageRow& a, const v1::UsageRow& b) {
                     return a.accelerator_hours() > b.accelerator_hours();
                   });
  for (auto& row : rows) *response.add_rows() = std::move(row);
  return response;
}

}  // namespace hetsched::control
