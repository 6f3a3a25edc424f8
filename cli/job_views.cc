#include "cli/job_views.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "cli/format.h"
#include "cli/table.h"

namespace hetsched::cli {
namespace {

std::string OrDash(const std::string& s) { return s.empty() ? "-" : s; }

// RUNNING jobs show how many replicas run ("1/2"): a half-started gang is
// the thing an operator looks for. Other states show the total.
std::string ReplicaColumn(const v1::Job& job) {
  const uint32_t total = TotalReplicas(job.spec());
  if (job.state() != v1::JOB_STATE_RUNNING) return absl::StrCat(total);
  return absl::StrCat(job.replicas_running(), "/", total);
}

// Why a job is where it is: the pending reason while it waits, else the
// scheduler's message (e.g. why it failed).
std::string ReasonColumn(const v1::Job& job) {
  if (job.state() == v1::JOB_STATE_PENDING && !job.pending_reason().empty()) {
    return job.pending_reason();
  }
  return OrDash(job.message());
}

void Field(std::ostream& out, const std::string& label,
           const std::string& value) {
  constexpr size_t kLabelWidth = 14;
  std::string padded = label + ":";
  padded.resize(std::max(kLabelWidth, padded.size() + 1), ' ');
  out << padded << value << '\n';
}

std::string YesNo(bool b) { return b ? "yes" : "no"; }

// "k=v k2=v2" in key order, so two describes of one job print the same.
std::string SortedPairs(
    const google::protobuf::Map<std::string, std::string>& map,
    const char* separator) {
  std::vector<std::string> pairs;
  for (const auto& [k, v] : map) pairs.push_back(absl::StrCat(k, "=", v));
  std::sort(pairs.begin(), pairs.end());
  return absl::StrJoin(pairs, separator);
}

void PrintSpec(const v1::JobSpec& spec, std::ostream& out) {
  Field(out, "Name", spec.name());
  Field(out, "Owner", OrDash(spec.owner()));
  Field(out, "Queue", OrDash(spec.queue()));
  Field(out, "Priority", absl::StrCat(spec.priority()));
  Field(out, "Kind", JobKindName(spec.kind()));
  if (!spec.job_class().empty()) Field(out, "Class", spec.job_class());
  Field(
      out, "Max runtime",
      spec.max_runtime_s() == 0
          ? "unlimited"
          : FormatDuration(static_cast<int64_t>(spec.max_runtime_s()) * 1000));
  Field(out, "Preemptible", YesNo(spec.preemptible()));
  Field(out, "Retries", absl::StrCat(spec.retry().max_retries()));
  Field(out, "Topology",
        absl::StrCat(
            "same_ultraserver ",
            TopologyRequirementName(spec.topology().same_ultraserver())));
  Field(
      out, "Providers",
      spec.providers().empty() ? "any" : absl::StrJoin(spec.providers(), ", "));
  if (spec.allow_degraded()) Field(out, "Degraded", "allowed");
  if (!spec.labels().empty())
    Field(out, "Labels", SortedPairs(spec.labels(), ", "));
  if (!spec.depends_on().empty()) {
    Field(out, "Depends on", absl::StrJoin(spec.depends_on(), ", "));
  }
  if (!spec.depends_on_any().empty()) {
    Field(out, "After any end of", absl::StrJoin(spec.depends_on_any(), ", "));
  }
  if (!spec.depends_on_not_ok().empty()) {
    Field(out, "After failure of",
          absl::StrJoin(spec.depends_on_not_ok(), ", "));
  }
  if (spec.singleton()) {
    Field(out, "Singleton", "one job of this name and owner at a time");
  }
  if (spec.kind() == v1::JOB_KIND_INFERENCE) {
    const auto& inf = spec.inference();
    Field(out, "Inference",
          absl::StrCat("replicas ", inf.min_replicas(), "-", inf.max_replicas(),
                       ", max restarts ", inf.max_restarts()));
  }
  out << "Task groups:\n";
  for (const auto& g : spec.task_groups()) {
    const auto& a = g.accelerators();
    out << "  " << g.name() << ": " << g.replicas() << " replica"
        << (g.replicas() == 1 ? "" : "s") << " x " << a.count() << " "
        << (a.kinds().empty() ? "any" : absl::StrJoin(a.kinds(), "|"));
    if (g.memory_bytes() != 0) out << ", " << FormatBytes(g.memory_bytes());
    out << '\n';
    out << "    command: "
        << FormatCommand({g.command().begin(), g.command().end()}) << '\n';
    if (!g.node_selector().empty()) {
      out << "    node_selector: " << SortedPairs(g.node_selector(), ",")
          << '\n';
    }
    if (!g.env().empty()) {
      out << "    env: " << SortedPairs(g.env(), " ") << '\n';
    }
  }
}

}  // namespace

void PrintJobsTable(const google::protobuf::RepeatedPtrField<v1::Job>& jobs,
                    int64_t now_ms, std::ostream& out) {
  Table table({"ID", "NAME", "QUEUE", "OWNER", "STATE", "REPLICAS", "ACCEL",
               "AGE", "REASON"});
  table.SetMaxWidth(8, kReasonWidth);
  for (const auto& job : jobs) {
    table.AddRow({job.id(), job.spec().name(), OrDash(job.spec().queue()),
                  OrDash(job.spec().owner()), JobStateName(job.state()),
                  ReplicaColumn(job), JobAcceleratorSummary(job),
                  FormatAge(job.submit_time_ms(), now_ms), ReasonColumn(job)});
  }
  table.Print(out);
}

void PrintJobDescription(const v1::Job& job, int64_t now_ms,
                         std::ostream& out) {
  Field(out, "Job", job.id());
  Field(out, "State", JobStateName(job.state()));
  if (job.attempt() != 0) Field(out, "Attempt", absl::StrCat(job.attempt()));
  if (!job.pending_reason().empty())
    Field(out, "Pending", job.pending_reason());
  if (!job.message().empty()) Field(out, "Message", job.message());
  if (job.state() == v1::JOB_STATE_FAILED) {
    Field(out, "Exit code", absl::StrCat(job.exit_code()));
  }
  if (job.cancel_requested() && !IsTerminal(job.state())) {
    Field(out, "Cancel", "requested; replicas are stopping");
  }
  if (job.held() && job.state() != v1::JOB_STATE_PENDING) {
    Field(out, "Held",
          absl::StrCat("once the requeue has stopped it (by ",
                       OrDash(job.held_by()), ")"));
  }
  Field(out, "Accelerators", JobAcceleratorSummary(job));
  Field(out, "Submitted", FormatTimestamp(job.submit_time_ms(), now_ms));
  Field(out, "Started", FormatTimestamp(job.start_time_ms(), now_ms));
  Field(out, "Ended", FormatTimestamp(job.end_time_ms(), now_ms));
  if (job.steps_per_second() > 0) {
    // Measured from rank 0's progress file; see docs/job-spec.md.
    Field(out, "Steps/s", absl::StrFormat("%.1f", job.steps_per_second()));
  }
  PrintSpec(job.spec(), out);

  out << "\nReplicas:\n";
  std::vector<const v1::Task*> tasks;
  for (const auto& t : job.tasks()) tasks.push_back(&t);
  std::stable_sort(tasks.begin(), tasks.end(),
                   [](const v1::Task* a, const v1::Task* b) {
                     return std::make_pair(a->rank(), a->attempt()) <
                            std::make_pair(b->rank(), b->attempt());
                   });
  if (tasks.empty()) {
    out << "  (none placed yet)\n";
  } else {
    Table table(
        {"RANK", "GROUP", "STATE", "NODE", "DEVICES", "EXIT", "MESSAGE"});
    table.SetMaxWidth(6, 40);
    for (const v1::Task* t : tasks) {
      std::string devices = FormatIndices(
          {t->device_indices().begin(), t->device_indices().end()});
      if (!t->accelerator_kind().empty() && devices != "-") {
        devices = absl::StrCat(t->accelerator_kind(), ":", devices);
      }
      // An exit code means nothing until the task has ended.
      table.AddRow({absl::StrCat(t->rank()), t->task_group(),
                    TaskStateName(t->state()), OrDash(t->node()), devices,
                    IsTerminal(t->state()) ? absl::StrCat(t->exit_code()) : "-",
                    OrDash(t->message())});
    }
    table.Print(out);
  }

  out << "\nEvents:\n";
  if (job.events().empty()) {
    out << "  (none)\n";
    return;
  }
  Table events({"AGE", "TYPE", "TASK", "MESSAGE"});
  for (const auto& e : job.events()) {
    events.AddRow({FormatAge(e.time_ms(), now_ms), e.type(),
                   OrDash(e.task_id()), e.message()});
  }
  events.Print(out);
}

void PrintJobEventLine(const v1::JobEvent& event, std::ostream& out) {
  out << absl::FormatTime("%Y-%m-%d %H:%M:%S",
                          absl::FromUnixMillis(event.time_ms()),
                          absl::UTCTimeZone())
      << "  " << event.type();
  if (!event.task_id().empty()) out << "  " << event.task_id();
  if (!event.message().empty()) out << "  " << event.message();
  out << '\n';
}

}  // namespace hetsched::cli
