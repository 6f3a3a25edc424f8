#include "cli/app.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "cli/calibrate_commands.h"
#include "cli/client.h"
#include "cli/interconnect_commands.h"
#include "cli/job_commands.h"
#include "cli/job_verbs.h"
#include "cli/log_commands.h"
#include "cli/node_commands.h"
#include "cli/queue_commands.h"
#include "cli/top.h"
#include "cli/usage_commands.h"
#include "common/build_info.h"
#include "common/tls.h"
#include "common/tls_flags.h"

namespace hetsched::cli {
namespace {

using Action = std::function<absl::Status(const CommandContext&)>;

struct GlobalFlags {
  std::string scheduler;
  TlsFiles tls;  // flags, else $HETSCHED_TLS_CA / _CERT / _KEY
  std::string output = "table";
  int timeout_s = 10;
};

// --reconnect-timeout-s of the commands that follow a job.
void AddReconnectFlag(CLI::App& command, FollowOptions& follow) {
  command
      .add_option_function<double>(
          "--reconnect-timeout-s",
          [&follow](double s) { follow.reconnect_timeout = absl::Seconds(s); },
          "Keep reconnecting to a lost scheduler this long before giving up "
          "(exit 69); default 600")
      ->check(CLI::Range(0.0, 7 * 86400.0));
}

void AddJobCommands(CLI::App& app, Action& action) {
  auto* submit = app.add_subcommand(
      "submit", "Validate a job spec file locally and submit it");
  auto path = std::make_shared<std::string>();
  auto after = std::make_shared<SubmitOptions>();
  auto wait = std::make_shared<bool>(false);
  submit->add_option("file", *path, "Job spec YAML (docs/job-spec.md)")
      ->required();
  submit
      ->add_option("--after,--afterok", after->ok,
                   "Start only after these jobs succeeded (added to the "
                   "spec's depends_on)")
      ->delimiter(',');
  submit
      ->add_option("--afterany", after->any,
                   "Start only after these jobs ended, however they ended "
                   "(depends_on_any)")
      ->delimiter(',');
  submit
      ->add_option("--afternotok", after->not_ok,
                   "Start only after these jobs failed or were cancelled; "
                   "cancelled should one succeed (depends_on_not_ok)")
      ->delimiter(',');
  submit
      ->add_option("--aftercorr", after->corr,
                   "Job arrays: start each element only after the element "
                   "of the same index of these arrays succeeded "
                   "(depends_on_corr)")
      ->delimiter(',');
  submit->add_option("--array", after->array,
                     "Submit a job array, one job per index, as sbatch "
                     "--array: 0-99, 1,3,5-9 or 0-15:4, with %N for at most "
                     "N at once (replaces the spec's array)");
  submit->add_flag("--singleton", after->singleton,
                   "Start only once no earlier job of the same name and "
                   "owner is still pending or running");
  submit->add_flag("--wait", *wait,
                   "After printing the id, wait until the job ends, "
                   "reconnecting across scheduler restarts; exit 0 if it "
                   "succeeded, else the failed replica's exit code (1 for "
                   "cancelled or lost), 69 if the scheduler stayed out of "
                   "reach (like sbatch --wait)");
  auto workdir = std::make_shared<SubmitWorkdir>();
  submit->add_option("--workdir", workdir->dir,
                     "Ship this directory with the job: packed (minus what "
                     ".hetschedignore, else .gitignore, excludes), uploaded "
                     "once, unpacked as each replica's working directory");
  submit
      ->add_option("--workdir-max-bytes", workdir->max_bytes,
                   "Refuse a --workdir that packs to more than this; "
                   "default 67108864 (64 MiB)")
      ->check(CLI::PositiveNumber);
  auto submit_follow = std::make_shared<FollowOptions>();
  AddReconnectFlag(*submit, *submit_follow);
  submit->callback([&action, path, after, wait, submit_follow, workdir] {
    action = [path, after, wait, submit_follow, workdir](auto& c) {
      return SubmitJob(c, *path, *after, *wait, *submit_follow, *workdir);
    };
  });

  auto* jobs = app.add_subcommand(
      "jobs", "List live jobs, newest first (--all or --since for history)");
  auto list = std::make_shared<ListJobsOptions>();
  jobs->add_option("--state", list->states,
                   "Only jobs in these states (pending, running, ...)")
      ->delimiter(',');
  jobs->add_flag("--all", list->all, "Ended jobs too, as far back as kept");
  jobs->add_option(
      "--since", list->since,
      "Live jobs and those that ended this recently: 30m, 24h, 7d");
  jobs->add_option("--owner", list->owner, "Only jobs of this owner");
  jobs->add_option("--queue", list->queue, "Only jobs in this queue");
  jobs->add_option("--limit", list->limit, "At most this many jobs");
  jobs->add_option("-l,--selector", list->selectors,
                   "Only jobs whose labels match: key=value, key!=value, "
                   "key, !key (comma-separated or repeated; all must hold)");
  jobs->callback([&action, list] {
    action = [list](auto& c) { return ListJobs(c, *list); };
  });

  auto* queues = app.add_subcommand(
      "queues", "List queues: weight, cohort, quota and use per kind");
  queues->callback(
      [&action] { action = [](auto& c) { return ListQueues(c); }; });

  auto* usage = app.add_subcommand(
      "usage", "Accelerator-hours and cost per owner, queue, kind or job");
  auto usage_opts = std::make_shared<UsageOptions>();
  usage
      ->add_option("--since", usage_opts->since,
                   "Window back from now: 90s, 30m, 24h, 7d")
      ->capture_default_str();
  usage->add_option("--by", usage_opts->by, "owner, queue, kind or job")
      ->capture_default_str();
  usage->callback([&action, usage_opts] {
    action = [usage_opts](auto& c) { return ShowUsage(c, *usage_opts); };
  });

  auto* job = app.add_subcommand("job", "Commands about one job");
  job->require_subcommand(1);
  auto* describe = job->add_subcommand(
      "describe", "Show a job: spec, state, replicas, events");
  auto job_id = std::make_shared<std::string>();
  describe->add_option("id", *job_id, "Job id")->required();
  describe->callback([&action, job_id] {
    action = [job_id](auto& c) { return DescribeJob(c, *job_id); };
  });

  auto* cancel = app.add_subcommand(
      "cancel", "Cancel jobs: by id, or every job the filters select");
  auto cancel_opts = std::make_shared<CancelOptions>();
  cancel->add_option("ids", cancel_opts->job_ids, "Job ids");
  cancel->add_option("--reason", cancel_opts->reason,
                     "Why, for the job's events");
  cancel->add_option("--signal", cancel_opts->signal,
                     "Send this signal (USR1, USR2, HUP, CONT, STOP, ...) to "
                     "the running replicas instead of cancelling");
  cancel
      ->add_option("--state", cancel_opts->filter.states,
                   "With no ids: jobs in these states (default: pending, "
                   "running)")
      ->delimiter(',');
  cancel->add_option("--owner", cancel_opts->filter.owner,
                     "With no ids: this owner's jobs");
  cancel->add_option("--queue", cancel_opts->filter.queue,
                     "With no ids: jobs in this queue");
  cancel->add_option("-l,--selector", cancel_opts->filter.selectors,
                     "With no ids: jobs whose labels match");
  cancel->callback([&action, cancel_opts] {
    action = [cancel_opts](auto& c) { return CancelJobs(c, *cancel_opts); };
  });

  auto* hold = app.add_subcommand(
      "hold", "Keep pending jobs out of the queue until released");
  auto hold_ids = std::make_shared<std::vector<std::string>>();
  auto hold_reason = std::make_shared<std::string>();
  hold->add_option("ids", *hold_ids, "Job ids")->required();
  hold->add_option("--reason", *hold_reason, "Why, for the job's events");
  hold->callback([&action, hold_ids, hold_reason] {
    action = [hold_ids, hold_reason](auto& c) {
      return HoldJobs(c, *hold_ids, *hold_reason);
    };
  });

  auto* release = app.add_subcommand("release", "Queue held jobs again");
  auto release_ids = std::make_shared<std::vector<std::string>>();
  release->add_option("ids", *release_ids, "Job ids")->required();
  release->callback([&action, release_ids] {
    action = [release_ids](auto& c) { return ReleaseJobs(c, *release_ids); };
  });

  auto* requeue = app.add_subcommand(
      "requeue",
      "Stop a running job and queue it again (not counted as a retry)");
  auto requeue_id = std::make_shared<std::string>();
  auto requeue_reason = std::make_shared<std::string>();
  auto requeue_hold = std::make_shared<bool>(false);
  requeue->add_option("id", *requeue_id, "Job id")->required();
  requeue->add_option("--reason", *requeue_reason, "Why, for the job's events");
  requeue->add_flag("--hold", *requeue_hold,
                    "Hold it once stopped (until `hetsched release`)");
  requeue->callback([&action, requeue_id, requeue_reason, requeue_hold] {
    action = [requeue_id, requeue_reason, requeue_hold](auto& c) {
      return RequeueJob(c, *requeue_id, *requeue_reason, *requeue_hold);
    };
  });

  auto* update = app.add_subcommand("update", "Change a pending job");
  auto update_id = std::make_shared<std::string>();
  auto update_priority = std::make_shared<std::optional<int32_t>>();
  update->add_option("id", *update_id, "Job id")->required();
  update->add_option("--priority", *update_priority,
                     "New priority (raising it takes an admin)");
  update->callback([&action, update_id, update_priority] {
    action = [update_id, update_priority](auto& c) {
      return UpdateJob(c, *update_id, *update_priority);
    };
  });

  auto* logs = app.add_subcommand("logs", "Print a replica's output");
  auto log_opts = std::make_shared<LogsOptions>();
  logs->add_option("id", log_opts->job_id, "Job id")->required();
  logs->add_option("--rank", log_opts->rank, "Global rank of the replica")
      ->capture_default_str();
  logs->add_flag("--stderr", log_opts->stderr_stream,
                 "Print stderr instead of stdout");
  logs->add_flag("-f,--follow", log_opts->follow,
                 "Keep printing until the replica ends");
  auto attempt = std::make_shared<int64_t>(-1);
  logs->add_option("--attempt", *attempt,
                   "That attempt's log (HETSCHED_ATTEMPT, 0 first; default "
                   "the newest)")
      ->check(CLI::Range(int64_t{0}, int64_t{UINT32_MAX}));
  logs->add_option("--tail", log_opts->tail,
                   "Only the last N lines (then, with -f, what follows)");
  logs->add_flag("--all-ranks", log_opts->all_ranks,
                 "Every rank in turn, each line prefixed \"[rank N] \"");
  logs->callback([&action, log_opts, attempt] {
    if (*attempt >= 0) log_opts->attempt = static_cast<uint32_t>(*attempt);
    action = [log_opts](auto& c) { return StreamLogs(c, *log_opts); };
  });

  auto* watch = app.add_subcommand(
      "watch",
      "Print a job's events until it ends, reconnecting across scheduler "
      "restarts");
  auto watch_id = std::make_shared<std::string>();
  watch->add_option("id", *watch_id, "Job id")->required();
  auto watch_follow = std::make_shared<FollowOptions>();
  AddReconnectFlag(*watch, *watch_follow);
  watch->callback([&action, watch_id, watch_follow] {
    action = [watch_id, watch_follow](auto& c) {
      return WatchJob(c, *watch_id, *watch_follow);
    };
  });
}

void AddNodeCommands(CLI::App& app, Action& action) {
  auto* top = app.add_subcommand(
      "top",
      "Live view: allocation per kind and queue, pending jobs, "
      "degraded nodes");
  auto top_opts = std::make_shared<TopOptions>();
  top->add_option("--interval-s", top_opts->interval_s,
                  "Seconds between refreshes")
      ->capture_default_str();
  top->add_flag("--once", top_opts->once, "Print one frame and exit");
  top->callback([&action, top_opts] {
    action = [top_opts](auto& c) { return RunTop(c, *top_opts); };
  });

  auto* nodes = app.add_subcommand("nodes", "List nodes");
  auto node_selectors = std::make_shared<std::vector<std::string>>();
  nodes->add_option("-l,--selector", *node_selectors,
                    "Only nodes whose labels match (their own and the "
                    "well-known hetsched.io/ ones): key=value, key!=value, "
                    "key, !key");
  nodes->callback([&action, node_selectors] {
    action = [node_selectors](auto& c) {
      return ListNodes(c, absl::StrJoin(*node_selectors, ","));
    };
  });

  auto* node = app.add_subcommand("node", "Commands about one node");
  node->require_subcommand(1);
  auto* describe = node->add_subcommand(
      "describe", "Show a node: hardware, topology, tasks, calibration");
  auto name = std::make_shared<std::string>();
  describe->add_option("name", *name, "Node name")->required();
  describe->callback([&action, name] {
    action = [name](auto& c) { return DescribeNode(c, *name); };
  });
  auto* remove = node->add_subcommand(
      "delete",
      "Forget a decommissioned node (admins; its agent must be stopped)");
  auto remove_name = std::make_shared<std::string>();
  remove->add_option("name", *remove_name, "Node name")->required();
  remove->callback([&action, remove_name] {
    action = [remove_name](auto& c) { return DeleteNode(c, *remove_name); };
  });

  auto* drain = app.add_subcommand(
      "drain", "Stop placing work on a node; running tasks continue");
  auto drain_name = std::make_shared<std::string>();
  auto drain_reason = std::make_shared<std::string>();
  drain->add_option("name", *drain_name, "Node name")->required();
  drain->add_option("--reason", *drain_reason, "Why, shown in `nodes`");
  drain->callback([&action, drain_name, drain_reason] {
    action = [drain_name, drain_reason](auto& c) {
      return DrainNode(c, *drain_name, *drain_reason);
    };
  });

  auto* undrain = app.add_subcommand("undrain", "Place work on a node again");
  auto undrain_name = std::make_shared<std::string>();
  undrain->add_option("name", *undrain_name, "Node name")->required();
  undrain->callback([&action, undrain_name] {
    action = [undrain_name](auto& c) { return UndrainNode(c, *undrain_name); };
  });
}

}  // namespace

int RunCli(const std::vector<std::string>& args, const CliEnvironment& env) {
  CLI::App app("hetsched: submit and inspect jobs and nodes", "hetsched");
  // Global flags may follow the command: `hetsched jobs -o json`. Set
  // before adding subcommands, which inherit it.
  app.fallthrough();
  app.require_subcommand(1);
  GlobalFlags flags;
  app.add_option("--scheduler", flags.scheduler,
                 "Scheduler HOST:PORT, or every replica's, comma-separated "
                 "(default: $HETSCHED_SCHEDULER, else " +
                     std::string(kDefaultScheduler) + ")");
  AddTlsFlags(app, flags.tls, "your client", /*env_defaults=*/true);
  app.add_option("-o,--output", flags.output, "Output format: table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  app.add_option("--timeout-s", flags.timeout_s,
                 "Deadline of each RPC in seconds (not for --follow/watch)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();

  app.set_version_flag("--version", VersionLine("hetsched"));

  Action action;
  AddJobCommands(app, action);
  AddNodeCommands(app, action);
  AddCalibrateCommand(app, action);
  AddInterconnectCommand(app, action);

  std::vector<const char*> argv;
  argv.reserve(args.size());
  for (const auto& a : args) argv.push_back(a.c_str());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e, *env.out, *env.err);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e, *env.out, *env.err);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e, *env.out, *env.err);
  } catch (const CLI::ParseError& e) {
    *env.err << "hetsched: " << e.what() << "\nRun with --help for usage.\n";
    return kExitBadInput;
  }
  if (!action) {
    *env.err << "hetsched: no command given; run with --help for usage.\n";
    return kExitBadInput;
  }

  if (env.getenv) {
    for (auto [field, name] : {std::pair{&flags.tls.ca, "HETSCHED_TLS_CA"},
                               std::pair{&flags.tls.cert, "HETSCHED_TLS_CERT"},
                               std::pair{&flags.tls.key, "HETSCHED_TLS_KEY"}}) {
      if (field->empty()) *field = env.getenv(name);
    }
  }
  auto tls = LoadTlsCredentials(flags.tls);
  if (!tls.ok()) return ReportStatus(tls.status(), *env.err);

  CommandContext ctx;
  const std::string replicas =
      ResolveSchedulerAddress(flags.scheduler, env.getenv);
  ctx.scheduler_address =
      FindLeader(replicas, tls->channel, absl::Seconds(flags.timeout_s));
  const std::vector<std::string> addresses =
      absl::StrSplit(replicas, ',', absl::SkipEmpty());
  ctx.scheduler_replicas = static_cast<int>(addresses.size());
  if (ctx.scheduler_replicas > 1) {
    ctx.reconnect_to_leader = [replicas, channel = tls->channel,
                               timeout = absl::Seconds(flags.timeout_s)] {
      return Connect(FindLeader(replicas, channel, timeout), channel);
    };
  }
  SchedulerConnection connection = Connect(ctx.scheduler_address, tls->channel);
  ctx.channel = connection.channel;
  ctx.jobs = connection.jobs.get();
  ctx.nodes = connection.nodes.get();
  ctx.out = env.out;
  ctx.err = env.err;
  ctx.format =
      flags.output == "json" ? OutputFormat::kJson : OutputFormat::kTable;
  ctx.timeout_s = flags.timeout_s;
  ctx.clock = env.clock;
  ctx.getenv = env.getenv;
  const int code = ReportStatus(action(ctx), *env.err);
  env.out->flush();
  if (env.finish) env.finish(code);
  return code;
}

}  // namespace hetsched::cli
