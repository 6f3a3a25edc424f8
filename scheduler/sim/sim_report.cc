#include "scheduler/sim/sim_report.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "scheduler/sim/csv_reader.h"

namespace hetsched::sim {

nlohmann::json ResultJson(const SimResult& r) {
  nlohmann::json j;
  j["jobs"] = r.jobs;
  j["completed"] = r.completed;
  j["avg_jct_s"] = r.avg_jct_s;
  j["p50_jct_s"] = r.p50_jct_s;
  j["p99_jct_s"] = r.p99_jct_s;
  j["avg_wait_s"] = r.avg_wait_s;
  j["makespan_s"] = r.makespan_s;
  nlohmann::json per_kind = nlohmann::json::object();
  for (const auto& [kind, u] : r.utilization_by_kind) per_kind[kind] = u;
  j["utilization"] = {{"overall", r.utilization}, {"per_kind", per_kind}};
  if (r.cost_usd) j["cost_usd"] = *r.cost_usd;
  if (r.energy_kwh) j["energy_kwh"] = *r.energy_kwh;
  j["preemptions"] = r.preemptions;
  j["scheduler_cpu_s"] = r.scheduler_cpu_s;
  j["solver_cpu_s"] = r.solver_cpu_s;
  j["makespan_lower_bound_s"] = r.makespan_lower_bound_s;
  j["decisions"] = r.decisions;
  return j;
}

std::string ResultTable(const SimResult& r) {
  std::string out;
  auto row = [&](const std::string& k, const std::string& v) {
    absl::StrAppend(&out, absl::StrFormat("%-28s %s\n", k, v));
  };
  row("jobs", absl::StrCat(r.jobs));
  row("completed", absl::StrCat(r.completed));
  row("avg_jct_s", absl::StrFormat("%.3f", r.avg_jct_s));
  row("p50_jct_s", absl::StrFormat("%.3f", r.p50_jct_s));
  row("p99_jct_s", absl::StrFormat("%.3f", r.p99_jct_s));
  row("avg_wait_s", absl::StrFormat("%.3f", r.avg_wait_s));
  row("makespan_s", absl::StrFormat("%.3f", r.makespan_s));
  row("utilization", absl::StrFormat("%.4f", r.utilization));
  for (const auto& [kind, u] : r.utilization_by_kind) {
    row(absl::StrCat("utilization[", kind, "]"), absl::StrFormat("%.4f", u));
  }
  if (r.cost_usd) row("cost_usd", absl::StrFormat("%.2f", *r.cost_usd));
  if (r.energy_kwh) row("energy_kwh", absl::StrFormat("%.2f", *r.energy_kwh));
  row("preemptions", absl::StrCat(r.preemptions));
  row("scheduler_cpu_s", absl::StrFormat("%.6f", r.scheduler_cpu_s));
  row("solver_cpu_s", absl::StrFormat("%.6f", r.solver_cpu_s));
  row("makespan_lower_bound_s",
      absl::StrFormat("%.3f", r.makespan_lower_bound_s));
  row("decisions", absl::StrCat(r.decisions));
  return out;
}

std::string FormatSeconds(double seconds) {
  // StrCat keeps 6 significant digits; times of a long trace need more.
  if (seconds == std::floor(seconds) && std::fabs(seconds) < 1e15) {
    return absl::StrFormat("%.0f", seconds);
  }
  std::string s = absl::StrFormat("%.6f", seconds);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

std::string JobsCsv(const SimResult& r) {
  auto num = [](const std::optional<double>& v) {
    return v ? FormatSeconds(*v) : std::string();
  };
  std::string out =
      "job_id,submit_time_s,start_time_s,end_time_s,accel_kinds_used,"
      "preemptions\n";
  for (const auto& rec : r.records) {
    absl::StrAppend(&out, CsvQuote(rec.id), ",", FormatSeconds(rec.submit_s),
                    ",", num(rec.start_s), ",", num(rec.end_s), ",",
                    CsvQuote(absl::StrJoin(rec.kinds_used, ";")), ",",
                    rec.preemptions, "\n");
  }
  return out;
}

}  // namespace hetsched::sim
