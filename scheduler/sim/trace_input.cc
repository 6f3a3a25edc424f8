// TRACE.csv: the header names the columns (any order); each later line is
// one job. See sim_input.h for the contract.
#include <map>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/accelerator_catalogue.h"
#include "scheduler/sim/csv_reader.h"
#include "scheduler/sim/sim_input.h"

namespace hetsched::sim {
namespace {

absl::Status ErrorAt(const std::string& name, const CsvField& f,
                     const std::string& reason) {
  return absl::InvalidArgumentError(
      absl::StrCat(name, ":", f.line, ":", f.column, ": ", reason));
}

constexpr const char* kRequired[] = {"job_id",    "submit_time_s",
                                     "replicas",  "accel_per_replica",
                                     "job_class", "total_steps"};
constexpr const char* kOptional[] = {"queue",         "priority",
                                     "accel_kinds",   "preemptible",
                                     "max_runtime_s", "duration_s"};

}  // namespace

absl::StatusOr<std::vector<TraceJob>> ParseTrace(
    const std::string& text, const std::string& name, const SimCluster& cluster,
    const core::ThroughputTable& throughputs) {
  auto rows = ParseCsv(text, name);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ":1:1: empty trace: want a header line"));
  }
  std::map<std::string, int> column;  // name -> index
  const CsvRow& header = (*rows)[0];
  for (size_t i = 0; i < header.size(); ++i) {
    std::string col(absl::StripAsciiWhitespace(header[i].value));
    bool known = false;
    for (const char* c : kRequired) known = known || col == c;
    for (const char* c : kOptional) known = known || col == c;
    if (!known) {
      return ErrorAt(name, header[i],
                     absl::StrCat("unknown column '", col, "'"));
    }
    if (!column.emplace(col, static_cast<int>(i)).second) {
      return ErrorAt(name, header[i], absl::StrCat("column '", col, "' twice"));
    }
  }
  for (const char* c : kRequired) {
    if (!column.count(c)) {
      CsvField end{
          "", header.back().line,
          header.back().column + static_cast<int>(header.back().value.size())};
      return ErrorAt(name, end,
                     absl::StrCat("missing required column '", c, "'"));
    }
  }
  std::set<std::string> kinds_in_cluster;
  for (const auto& n : cluster.nodes)
    kinds_in_cluster.insert(n.accelerator_kind);

  std::vector<TraceJob> jobs;
  std::set<std::string> ids;
  for (size_t r = 1; r < rows->size(); ++r) {
    const CsvRow& row = (*rows)[r];
    if (row.size() != header.size()) {
      return ErrorAt(
          name, row[0],
          absl::StrCat("want ", header.size(), " fields, found ", row.size()));
    }
    auto field = [&](const char* col) -> const CsvField* {
      auto it = column.find(col);
      return it == column.end() ? nullptr : &row[it->second];
    };
    auto number = [&](const char* col, double* out) -> absl::Status {
      const CsvField* f = field(col);
      std::string v(absl::StripAsciiWhitespace(f->value));
      if (!absl::SimpleAtod(v, out) || !std::isfinite(*out)) {
        return ErrorAt(name, *f,
                       absl::StrCat(col, ": '", v, "' is not a number"));
      }
      if (*out < 0) return ErrorAt(name, *f, absl::StrCat(col, ": negative"));
      return absl::OkStatus();
    };
    auto integer = [&](const char* col, int* out, int min) -> absl::Status {
      const CsvField* f = field(col);
      std::string v(absl::StripAsciiWhitespace(f->value));
      if (!absl::SimpleAtoi(v, out)) {
        return ErrorAt(name, *f,
                       absl::StrCat(col, ": '", v, "' is not an integer"));
      }
      if (*out < min) {
        return ErrorAt(name, *f, absl::StrCat(col, ": must be at least ", min));
      }
      return absl::OkStatus();
    };
    TraceJob j;
    j.id = field("job_id")->value;
    if (j.id.empty()) return ErrorAt(name, *field("job_id"), "job_id: empty");
    if (!ids.insert(j.id).second) {
      return ErrorAt(name, *field("job_id"),
                     absl::StrCat("job_id '", j.id, "' twice"));
    }
    if (auto s = number("submit_time_s", &j.submit_s); !s.ok()) return s;
    if (auto s = integer("replicas", &j.replicas, 1); !s.ok()) return s;
    if (auto s = integer("accel_per_replica", &j.accel_per_replica, 1);
        !s.ok()) {
      return s;
    }
    j.job_class = field("job_class")->value;
    if (auto s = number("total_steps", &j.total_steps); !s.ok()) return s;
    if (const CsvField* f = field("queue"); f && !f->value.empty()) {
      j.queue = f->value;
    }
    if (const CsvField* f = field("priority"); f && !f->value.empty()) {
      if (!absl::SimpleAtoi(f->value, &j.priority)) {
        return ErrorAt(name, *f, "priority: not an integer");
      }
    }
    if (const CsvField* f = field("preemptible"); f && !f->value.empty()) {
      if (f->value != "0" && f->value != "1") {
        return ErrorAt(name, *f, "preemptible: want 0 or 1");
      }
      j.preemptible = f->value == "1";
    }
    if (const CsvField* f = field("max_runtime_s"); f && !f->value.empty()) {
      if (auto s = number("max_runtime_s", &j.max_runtime_s); !s.ok()) return s;
    }
    if (const CsvField* f = field("duration_s"); f && !f->value.empty()) {
      double d = 0;
      if (auto s = number("duration_s", &d); !s.ok()) return s;
      j.duration_s = d;
    }
    if (const CsvField* f = field("accel_kinds"); f && !f->value.empty()) {
      for (absl::string_view k :
           absl::StrSplit(f->value, ';', absl::SkipEmpty())) {
        std::string kind(absl::StripAsciiWhitespace(k));
        if (!kinds_in_cluster.count(kind) &&
            !AcceleratorCatalogue::BuiltIn().Contains(kind)) {
          return ErrorAt(name, *f,
                         absl::StrCat("unknown accelerator kind '", kind, "'"));
        }
        j.kinds.push_back(kind);
      }
    }
    if (!throughputs.count(j.job_class) && !j.duration_s) {
      return ErrorAt(name, *field("job_class"),
                     absl::StrCat("class '", j.job_class,
                                  "' is not in the throughput table and the "
                                  "job has no duration_s"));
    }
    jobs.push_back(std::move(j));
  }
  return jobs;
}

}  // namespace hetsched::sim
