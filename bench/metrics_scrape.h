// Reads a Prometheus text endpoint (the scheduler's --metrics-listen) for
// the fleet benchmark: one plain HTTP/1.0 GET on loopback, and sums of a
// series over its labels. Stateless functions; thread-safe.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace hetsched::bench {

// GET http://HOST:PORT/metrics; the body. UNAVAILABLE when it cannot connect.
absl::StatusOr<std::string> ScrapeMetrics(const std::string& host_port);

// The sum of every sample of `name` (exactly that name, any labels) whose
// labels contain `label_filter` (e.g. result="ok"; empty: all). 0 if none.
double SumSeries(const std::string& text, const std::string& name,
                 const std::string& label_filter = "");

}  // namespace hetsched::bench
