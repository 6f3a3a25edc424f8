#include "cli/top.h"

#include <algorithm>
#include <map>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cli/format.h"
#include "cli/paging.h"
#include "cli/table.h"
#include "common/status_macros.h"

namespace hetsched::cli {
namespace {

constexpr size_t kBarWidth = 20;

// "[########------------]" for used of total.
std::string Bar(int used, int total) {
  size_t fill = total > 0 ? (kBarWidth * static_cast<size_t>(used) +
                             static_cast<size_t>(total) / 2) /
                                static_cast<size_t>(total)
                          : 0;
  fill = std::min(fill, kBarWidth);
  return absl::StrCat("[", std::string(fill, '#'),
                      std::string(kBarWidth - fill, '-'), "]");
}

std::string Percent(int used, int total) {
  return total > 0 ? absl::StrCat(used * 100 / total, "%") : "-";
}

std::string QueueOf(const v1::Job& job) {
  return job.spec().queue().empty() ? "default" : job.spec().queue();
}

// "16/8 nvidia/h100" (held / quota) for a queue with a quota, else
// "16 nvidia/h100"; kinds joined by ", ".
std::string Holdings(const v1::Queue& queue) {
  std::string held;
  for (const v1::QueueKindUsage& k : queue.kinds()) {
    if (k.used() == 0 && !queue.has_quota()) continue;
    absl::StrAppend(&held, held.empty() ? "" : ", ", k.used(),
                    queue.has_quota() ? absl::StrCat("/", k.nominal()) : "",
                    " ", k.kind());
  }
  return held.empty() ? "-" : held;
}

}  // namespace

std::string RenderTop(const v1::ListNodesResponse& nodes,
                      const v1::ListQueuesResponse& queues,
                      const v1::ListJobsResponse& jobs, int64_t now_ms,
                      const std::string& title, const TopOptions& options) {
  std::ostringstream out;
  out << Truncate(absl::StrCat("hetsched top  ", title, "  ",
                               absl::FormatTime("%Y-%m-%d %H:%M:%S UTC",
                                                absl::FromUnixMillis(now_ms),
                                                absl::UTCTimeZone())),
                  80)
      << "\n";

  std::map<std::string, int> node_states;
  std::map<std::string, std::pair<int, int>> kinds;  // kind -> used, total
  std::vector<const v1::Node*> unwell;
  for (const auto& n : nodes.nodes()) {
    ++node_states[NodeStateName(n.state())];
    for (const auto& a : n.info().accelerators()) ++kinds[a.kind()].second;
    if (n.info().accelerators_size() > 0) {
      kinds[n.info().accelerators(0).kind()].first +=
          static_cast<int>(n.accelerators_allocated());
    }
    if (n.degraded() || n.state() == v1::NODE_STATE_LOST ||
        n.state() == v1::NODE_STATE_DEGRADED ||
        n.state() == v1::NODE_STATE_UNHEALTHY) {
      unwell.push_back(&n);
    }
  }
  out << "nodes " << nodes.nodes_size();
  for (const auto& [state, count] : node_states) {
    out << "  " << state << " " << count;
  }
  out << "\n\n";

  Table fleet({"KIND", "USED", "TOTAL", "ALLOCATION", ""});
  for (const auto& [kind, ut] : kinds) {
    fleet.AddRow({kind, absl::StrCat(ut.first), absl::StrCat(ut.second),
                  Bar(ut.first, ut.second), Percent(ut.first, ut.second)});
  }
  fleet.SetMaxWidth(0, 20);
  fleet.Print(out);
  out << "\n";

  Table queue_table({"QUEUE", "PENDING", "RUNNING", "OLDEST", "HOLDS"});
  for (const v1::Queue& q : queues.queues()) {
    if (q.pending_jobs() == 0 && q.running_jobs() == 0) continue;
    queue_table.AddRow({q.name(), absl::StrCat(q.pending_jobs()),
                        absl::StrCat(q.running_jobs()),
                        q.pending_jobs() > 0
                            ? FormatDuration(static_cast<int64_t>(
                                  q.oldest_pending_age_s() * 1000))
                            : "-",
                        Holdings(q)});
  }
  std::vector<const v1::Job*> pending;
  for (const auto& j : jobs.jobs()) {
    if (j.state() == v1::JOB_STATE_PENDING) pending.push_back(&j);
  }
  queue_table.SetMaxWidth(0, 16);
  queue_table.SetMaxWidth(4, 36);  // 16 + 7 + 7 + 6 + 4 gaps of 2 + 36 = 80
  if (queue_table.rows() == 0) {
    out << "no pending or running jobs\n";
  } else {
    queue_table.Print(out);
  }

  std::sort(pending.begin(), pending.end(), [](const auto* a, const auto* b) {
    if (a->submit_time_ms() != b->submit_time_ms()) {
      return a->submit_time_ms() < b->submit_time_ms();
    }
    return a->id() < b->id();
  });
  if (!pending.empty()) {
    out << "\npending jobs, oldest first\n";
    Table t({"JOB", "QUEUE", "WAITING", "WANTS", "REASON"});
    int shown = 0;
    for (const v1::Job* j : pending) {
      if (shown++ == options.max_pending_rows) break;
      t.AddRow({j->id(), QueueOf(*j), FormatAge(j->submit_time_ms(), now_ms),
                JobAcceleratorSummary(*j), j->pending_reason()});
    }
    t.SetMaxWidth(0, 14);
    t.SetMaxWidth(1, 10);
    t.SetMaxWidth(2, 8);
    t.SetMaxWidth(3, 18);
    t.SetMaxWidth(4, 20);
    t.Print(out);
    if (static_cast<int>(pending.size()) > options.max_pending_rows) {
      out << "... and " << pending.size() - options.max_pending_rows
          << " more\n";
    }
  }

  if (!unwell.empty()) {
    out << "\ndegraded or lost nodes\n";
    Table t({"NODE", "KIND", "STATE", "REASON"});
    for (const v1::Node* n : unwell) {
      t.AddRow({n->info().name(), NodeKinds(*n), NodeStateName(n->state()),
                n->state_reason()});
    }
    t.SetMaxWidth(0, 16);
    t.SetMaxWidth(1, 16);
    t.SetMaxWidth(2, 9);
    t.SetMaxWidth(3, 31);
    t.Print(out);
  }
  return out.str();
}

absl::Status RunTop(const CommandContext& ctx, const TopOptions& options) {
  if (options.interval_s <= 0) {
    return absl::InvalidArgumentError("--interval-s: must be positive");
  }
  while (true) {
    v1::ListNodesResponse nodes;
    v1::ListQueuesResponse queues;
    v1::ListJobsResponse jobs;
    // Only pending jobs travel: ended ones are history, and what running
    // ones hold comes with the queues.
    v1::ListJobsRequest pending;
    pending.add_states(v1::JOB_STATE_PENDING);
    RETURN_IF_ERROR(ForEachPage(
        ctx, ctx.nodes, &v1::NodeService::StubInterface::ListNodes,
        v1::ListNodesRequest(), [&](const v1::ListNodesResponse& page) {
          for (const auto& node : page.nodes()) *nodes.add_nodes() = node;
          return true;
        }));
    RETURN_IF_ERROR(CallUnary(ctx, ctx.jobs,
                              &v1::JobService::StubInterface::ListQueues,
                              v1::ListQueuesRequest(), &queues));
    RETURN_IF_ERROR(ForEachPage(ctx, ctx.jobs,
                                &v1::JobService::StubInterface::ListJobs,
                                pending, [&](const v1::ListJobsResponse& page) {
                                  for (const auto& job : page.jobs())
                                    *jobs.add_jobs() = job;
                                  return true;
                                }));
    std::string frame = RenderTop(nodes, queues, jobs, ctx.now_ms(),
                                  SchedulerTitle(ctx), options);
    if (options.once) {
      *ctx.out << frame << std::flush;
      return absl::OkStatus();
    }
    // Home the cursor and clear the screen, then draw the frame.
    *ctx.out << "\033[H\033[2J" << frame << std::flush;
    std::this_thread::sleep_for(std::chrono::milliseconds(
        static_cast<int64_t>(options.interval_s * 1000)));
  }
}

}  // namespace hetsched::cli
