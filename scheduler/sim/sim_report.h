// The simulator's outputs: the JSON object and the table of --output, and
// the per-job CSV of --jobs-out. Pure functions.
#pragma once

#include <string>

#include "nlohmann/json.hpp"
#include "scheduler/sim/simulator.h"

namespace hetsched::sim {

// jobs, completed, avg_jct_s, p50_jct_s, p99_jct_s, avg_wait_s,
// makespan_s, utilization {overall, per_kind {KIND: u}}, cost_usd (only
// with prices), energy_kwh (only with board power), preemptions,
// scheduler_cpu_s, solver_cpu_s, makespan_lower_bound_s, decisions.
nlohmann::json ResultJson(const SimResult& result);
std::string ResultTable(const SimResult& result);
// Header, then job_id,submit_time_s,start_time_s,end_time_s,
// accel_kinds_used (;-separated),preemptions; start and end are empty for
// a job that never ran or never ended.
std::string JobsCsv(const SimResult& result);
// Seconds without exponent or float noise: integers as such, else up to
// microseconds.
std::string FormatSeconds(double seconds);

}  // namespace hetsched::sim
