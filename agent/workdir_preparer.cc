#include "agent/workdir_preparer.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "agent/agent_log.h"
#include "common/status_macros.h"
#include "common/workdir_archive.h"

namespace hetsched::agent {
namespace {

namespace fs = std::filesystem;

// How long setup may run when the job sets no max_runtime_s.
constexpr absl::Duration kDefaultSetupTimeout = absl::Hours(24);
// How much of setup's stderr a failure message quotes.
constexpr size_t kQuotedStderrBytes = 400;

absl::Status Chown(const std::string& path, const RunAs& run_as) {
  if (lchown(path.c_str(), run_as.uid, run_as.gid) != 0) {
    return absl::PermissionDeniedError(
        absl::StrCat(path, ": cannot give it to uid ", run_as.uid, ": ",
                     std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::Status ChownTree(const std::string& root, const RunAs& run_as) {
  RETURN_IF_ERROR(Chown(root, run_as));
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    RETURN_IF_ERROR(Chown(it->path().string(), run_as));
  }
  if (ec) return absl::UnavailableError(absl::StrCat(root, ": ", ec.message()));
  return absl::OkStatus();
}

std::string Tail(const std::string& path, size_t bytes) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  std::string all = text.str();
  std::string tail = all.size() > bytes ? all.substr(all.size() - bytes) : all;
  return std::string(absl::StripAsciiWhitespace(tail));
}

std::string Describe(const ChildOutcome& outcome) {
  if (outcome.cancelled) return "was stopped (the agent is shutting down)";
  if (outcome.timed_out) return "ran out of time";
  if (outcome.exit.signal != 0) {
    return absl::StrCat("was killed by signal ", outcome.exit.signal);
  }
  return absl::StrCat("exit code ", outcome.exit.exit_code);
}

}  // namespace

absl::Status WorkdirPreparer::Prepare(const v1::TaskAssignment& assignment,
                                      const std::string& task_dir,
                                      const EnvList& env,
                                      const std::optional<RunAs>& run_as,
                                      const std::atomic<bool>* cancel,
                                      int* exit_code) {
  *exit_code = 1;
  const std::string& job = assignment.job_id();
  const std::string job_setup_dir = absl::StrCat(work_dir_, "/jobsetup/", job);
  {
    std::unique_lock<std::mutex> lock(mu_);
    JobTree& tree = jobs_[job];
    done_.wait(lock, [&] { return !tree.preparing; });
    const bool reuse = tree.ready && (tree.result.ok() ||
                                      tree.attempt == assignment.attempt());
    if (!reuse) {
      tree.preparing = true;
      lock.unlock();
      int setup_exit = 1;
      absl::Status result = PrepareTree(assignment, job_setup_dir, env, run_as,
                                        cancel, &setup_exit);
      lock.lock();
      tree.exit_code = setup_exit;
      tree.preparing = false;
      tree.ready = true;
      tree.attempt = assignment.attempt();
      tree.result = result;
      done_.notify_all();
    }
    *exit_code = tree.exit_code;
    RETURN_IF_ERROR(tree.result);
  }
  // Copied as the task's account: the tree is that account's work.
  LaunchSpec copy;
  copy.task_id = absl::StrCat("copy-", assignment.task_id());
  // Paths relative to the job's directory, where the copy starts (the
  // agent enters it before dropping to the task's account): the account
  // may not be able to reach either through the work dir's parents.
  copy.argv = {"cp", "-a", "tree/.",
               fs::path(task_dir).lexically_relative(job_setup_dir).string()};
  copy.env = {{"PATH", "/usr/bin:/bin"}};
  copy.inherit_env = false;
  copy.run_as = run_as;
  copy.directory = job_setup_dir;
  ASSIGN_OR_RETURN(const ChildOutcome outcome,
                   launcher_->RunToEnd(copy, absl::Hours(1), cancel));
  if (outcome.exit.exit_code != 0 || outcome.timed_out || outcome.cancelled) {
    return absl::InternalError(absl::StrCat(
        "copying the job's workdir into ", task_dir, " failed (",
        Describe(outcome), "): ", Tail(job_setup_dir + "/stderr", 200)));
  }
  return absl::OkStatus();
}

absl::Status WorkdirPreparer::PrepareTree(const v1::TaskAssignment& assignment,
                                          const std::string& job_setup_dir,
                                          const EnvList& env,
                                          const std::optional<RunAs>& run_as,
                                          const std::atomic<bool>* cancel,
                                          int* exit_code) {
  const std::string tree = job_setup_dir + "/tree";
  std::error_code ec;
  fs::remove_all(job_setup_dir, ec);
  fs::create_directories(tree, ec);
  if (ec) return absl::UnavailableError(absl::StrCat(tree, ": ", ec.message()));
  if (!assignment.workdir_sha256().empty()) {
    ASSIGN_OR_RETURN(const std::string archive,
                     cache_->Get(assignment.workdir_sha256()));
    if (absl::Status s = UnpackWorkdir(archive, tree); !s.ok()) {
      return absl::Status(s.code(),
                          absl::StrCat("unpacking the workdir: ", s.message()));
    }
  }
  if (run_as.has_value()) {
    RETURN_IF_ERROR(Chown(job_setup_dir, *run_as));
    RETURN_IF_ERROR(ChownTree(tree, *run_as));
  }
  if (assignment.setup().empty()) return absl::OkStatus();
  AgentLog(absl::StrCat("job ", assignment.job_id(), ": running setup"));
  LaunchSpec setup;
  setup.task_id = absl::StrCat("setup-", assignment.job_id());
  setup.argv.assign(assignment.setup().begin(), assignment.setup().end());
  setup.env = env;
  setup.inherit_env = false;
  setup.run_as = run_as;
  setup.directory = tree;
  const absl::Duration timeout =
      assignment.max_runtime_s() > 0
          ? absl::Seconds(static_cast<int64_t>(assignment.max_runtime_s()))
          : kDefaultSetupTimeout;
  auto outcome = launcher_->RunToEnd(setup, timeout, cancel);
  // Its output is kept beside the tree, not copied into every replica.
  fs::rename(tree + "/stdout", job_setup_dir + "/setup.stdout", ec);
  fs::rename(tree + "/stderr", job_setup_dir + "/setup.stderr", ec);
  if (!outcome.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "setup failed: it could not be started: ", outcome.status().message()));
  }
  if (outcome->exit.exit_code != 0 || outcome->timed_out ||
      outcome->cancelled) {
    if (outcome->exit.exit_code != 0) *exit_code = outcome->exit.exit_code;
    const std::string stderr_tail =
        Tail(job_setup_dir + "/setup.stderr", kQuotedStderrBytes);
    return absl::FailedPreconditionError(
        absl::StrCat("setup failed (", Describe(*outcome), ")",
                     stderr_tail.empty() ? "" : ": ", stderr_tail));
  }
  return absl::OkStatus();
}

}  // namespace hetsched::agent
