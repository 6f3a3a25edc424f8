#include "agent/task_runner.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "agent/supervisor_state.h"

extern char** environ;

namespace hetsched::agent {
namespace {

// SIGCHLD writes one byte here so the waiter can block in poll() on child
// exits, kill deadlines and shutdown at once (a blocking waitpid cannot be
// woken for the latter two).
std::atomic<int> g_sigchld_fd{-1};

void OnSigchld(int) {
  const int saved = errno;
  const int fd = g_sigchld_fd.load();
  if (fd >= 0) {
    const char byte = 0;
    (void)!write(fd, &byte, 1);
  }
  errno = saved;
}

ExitInfo FromWaitStatus(int status) {
  ExitInfo e;
  if (WIFEXITED(status)) {
    e.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    e.signal = WTERMSIG(status);
    e.exit_code = 128 + e.signal;
  }
  return e;
}

absl::Status ErrnoStatus(int err, const std::string& what) {
  std::string message = absl::StrCat(what, ": ", std::strerror(err));
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return absl::NotFoundError(message);
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(message);
    default:
      return absl::InternalError(message);
  }
}

// The agent's environment (when `inherit`) with `overrides` applied; later
// entries win.
std::vector<std::string> MergeEnv(const EnvList& overrides, bool inherit) {
  std::vector<std::string> env;
  std::map<std::string, size_t> position;
  auto set = [&](const std::string& key, const std::string& entry) {
    auto [it, inserted] = position.emplace(key, env.size());
    if (inserted) {
      env.push_back(entry);
    } else {
      env[it->second] = entry;
    }
  };
  for (char** e = environ; inherit && e != nullptr && *e != nullptr; ++e) {
    const std::string entry = *e;
    set(entry.substr(0, entry.find('=')), entry);
  }
  for (const auto& [key, value] : overrides) {
    set(key, absl::StrCat(key, "=", value));
  }
  return env;
}

// hetsched-task-supervisor next to this executable; "" when there is none.
std::string SupervisorNextToExe() {
  std::error_code ec;
  const std::filesystem::path exe =
      std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  const std::string path =
      (exe.parent_path() / "hetsched-task-supervisor").string();
  return access(path.c_str(), X_OK) == 0 ? path : "";
}

// The supervisor's CREDENTIALS argument: "-", or "UID:GID:G1,G2,...".
std::string CredentialsArg(const std::optional<RunAs>& run_as) {
  if (!run_as.has_value()) return "-";
  std::string groups;
  for (gid_t g : run_as->groups) {
    absl::StrAppend(&groups, groups.empty() ? "" : ",", g);
  }
  return absl::StrCat(run_as->uid, ":", run_as->gid, ":", groups);
}

// One line from fd (up to its end); "" when it closed first.
std::string ReadLine(int fd) {
  std::string line;
  char c;
  while (true) {
    const ssize_t got = read(fd, &c, 1);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0 || c == '\n') break;
    line.push_back(c);
  }
  return line;
}

}  // namespace

TaskRunner::TaskRunner(ExitCallback on_exit, std::string supervisor)
    : on_exit_(std::move(on_exit)),
      supervisor_(supervisor.empty() ? SupervisorNextToExe()
                                     : std::move(supervisor)) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0) {
    wake_read_ = fds[0];
    wake_write_ = fds[1];
  }
  g_sigchld_fd.store(wake_write_);
  struct sigaction sa = {};
  sa.sa_handler = OnSigchld;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  sigaction(SIGCHLD, &sa, nullptr);
  // Orphans of a task (children of a killed leader) are re-parented to us,
  // not to init, so we can reap them and their group really disappears.
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  waiter_ = std::thread([this] { WaiterLoop(); });
}

TaskRunner::~TaskRunner() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    for (const auto& [pid, child] : children_) {
      if (!detached_ || !child.supervised) kill(-child.pgid, SIGKILL);
    }
  }
  Wake();
  waiter_.join();
  for (const auto& [pid, child] : children_) {
    if (child.pidfd >= 0) close(child.pidfd);
  }
  g_sigchld_fd.store(-1);
  close(wake_read_);
  close(wake_write_);
}

void TaskRunner::Wake() {
  const char byte = 1;
  (void)!write(wake_write_, &byte, 1);
}

absl::StatusOr<pid_t> TaskRunner::Start(
    const LaunchSpec& spec, const std::function<void(pid_t)>& on_running) {
  if (spec.argv.empty() || spec.argv[0].empty()) {
    return absl::InvalidArgumentError("command: must not be empty");
  }
  // Everything the child needs is prepared here: between fork and exec in a
  // threaded process only async-signal-safe calls are allowed.
  std::vector<std::string> env = MergeEnv(spec.env, spec.inherit_env);
  auto pointers = [](std::vector<std::string>& strings) {
    std::vector<char*> out(strings.size() + 1, nullptr);
    std::transform(strings.begin(), strings.end(), out.begin(),
                   [](std::string& s) { return s.data(); });
    return out;
  };
  std::vector<char*> envp = pointers(env);
  const bool supervise = !spec.state_dir.empty() && supervised();
  // The supervisor reports on this pipe ("running PGID" or "exec ERRNO").
  int report[2] = {-1, -1};
  if (supervise && pipe2(report, O_CLOEXEC) != 0) {
    return ErrnoStatus(errno, "pipe");
  }
  std::vector<std::string> argv_storage;
  if (supervise) {
    argv_storage = {supervisor_};
    if (spec.max_log_bytes > 0) {
      argv_storage.insert(
          argv_storage.end(),
          {"--max-log-bytes", std::to_string(spec.max_log_bytes)});
    }
    argv_storage.insert(argv_storage.end(),
                        {spec.state_dir, std::to_string(report[1]),
                         CredentialsArg(spec.run_as)});
  }
  argv_storage.insert(argv_storage.end(), spec.argv.begin(), spec.argv.end());
  std::vector<char*> argv = pointers(argv_storage);
  const std::string out_path = spec.directory + "/stdout";
  const std::string err_path = spec.directory + "/stderr";
  // O_NOFOLLOW: never truncate what a link planted in the task directory
  // points at.
  const int out =
      open(out_path.c_str(),
           O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (out < 0) return ErrnoStatus(errno, out_path);
  const int err =
      open(err_path.c_str(),
           O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (err < 0) {
    const int e = errno;
    close(out);
    return ErrnoStatus(e, err_path);
  }
  const int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
  int exec_pipe[2];
  if (in < 0 || pipe2(exec_pipe, O_CLOEXEC) != 0) {
    const int e = errno;
    close(out);
    close(err);
    if (in >= 0) close(in);
    return ErrnoStatus(e, "pipe");
  }
  const char* directory = spec.directory.c_str();
  // A plain child drops to the task's account itself; a supervised one is
  // dropped by its supervisor, which must stay root to keep its records.
  const RunAs* drop = !supervise && spec.run_as ? &*spec.run_as : nullptr;

  pid_t pid;
  int fork_errno = 0;
  {
    // Held across fork so the waiter cannot reap the child before it is
    // registered below.
    std::lock_guard<std::mutex> lock(mu_);
    pid = fork();
    if (pid < 0) fork_errno = errno;
    if (pid == 0) {
      // A supervisor makes its own session (setsid fails for a group
      // leader); a plain task leads its own group.
      if (supervise) {
        fcntl(report[1], F_SETFD, 0);  // kept across exec
      } else {
        setpgid(0, 0);
      }
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      // Ignored signals survive exec; a task must start with defaults.
      for (int sig = 1; sig < NSIG; ++sig) {
        if (sig != SIGKILL && sig != SIGSTOP) signal(sig, SIG_DFL);
      }
      dup2(in, STDIN_FILENO);
      dup2(out, STDOUT_FILENO);
      dup2(err, STDERR_FILENO);
      int e = 0;
      // The directory first: the task's account may not reach its path.
      if (chdir(directory) != 0 ||
          (drop != nullptr &&
           (setgroups(drop->groups.size(), drop->groups.data()) != 0 ||
            setgid(drop->gid) != 0 || setuid(drop->uid) != 0))) {
        e = errno;
      } else {
        // execvp resolves argv[0] on the PATH of the task's environment.
        environ = envp.data();
        if (supervise) {
          execv(argv[0], argv.data());
        } else {
          execvp(argv[0], argv.data());
        }
        e = errno;
      }
      (void)!write(exec_pipe[1], &e, sizeof(e));
      _exit(127);
    }
    if (pid > 0) {
      Child& child = children_[pid];
      child.task_id = spec.task_id;
      child.pgid = pid;
      child.supervised = supervise;
      child.state_dir = spec.state_dir;
      // Both sides set the group, so it is in place whichever runs first.
      if (!supervise) setpgid(pid, pid);
    }
  }
  if (supervise) close(report[1]);
  close(exec_pipe[1]);
  close(out);
  close(err);
  close(in);
  if (pid < 0) {
    close(exec_pipe[0]);
    if (supervise) close(report[0]);
    return ErrnoStatus(fork_errno, "fork");
  }
  Wake();  // the waiter may be idle with no children

  // CLOEXEC: a successful exec closes the pipe (read returns 0); a failed
  // one writes its errno first.
  int exec_errno = 0;
  ssize_t got;
  do {
    got = read(exec_pipe[0], &exec_errno, sizeof(exec_errno));
  } while (got < 0 && errno == EINTR);
  close(exec_pipe[0]);
  std::string exec_what = absl::StrCat("exec ", spec.argv[0]);
  if (supervise && got != static_cast<ssize_t>(sizeof(exec_errno))) {
    // The supervisor runs; it says whether the task's exec worked.
    const std::string line = ReadLine(report[0]);
    pid_t pgid = 0;
    if (absl::StartsWith(line, "running ") &&
        absl::SimpleAtoi(line.substr(8), &pgid) && pgid > 0) {
      std::lock_guard<std::mutex> lock(mu_);
      if (auto it = children_.find(pid); it != children_.end()) {
        it->second.pgid = pgid;
      }
    } else {
      got = sizeof(exec_errno);
      exec_errno = EIO;
      if (absl::StartsWith(line, "exec ")) {
        (void)absl::SimpleAtoi(line.substr(5), &exec_errno);
      } else {
        exec_what =
            "hetsched-task-supervisor ended before starting " + spec.argv[0];
      }
    }
  } else if (supervise && got == static_cast<ssize_t>(sizeof(exec_errno))) {
    exec_what = "exec " + supervisor_;
  }
  if (supervise) close(report[0]);
  if (got == static_cast<ssize_t>(sizeof(exec_errno))) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = children_.find(pid);
    if (it != children_.end()) {
      if (it->second.exit.has_value()) {
        children_.erase(it);
      } else {
        it->second.discard = true;
      }
    }
    return ErrnoStatus(exec_errno, exec_what);
  }

  pid_t pgid = pid;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = children_.find(pid); it != children_.end()) {
      pgid = it->second.pgid;
    }
  }
  if (on_running) on_running(pgid);
  std::optional<ExitInfo> early_exit;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = children_.find(pid);
    if (it != children_.end()) {
      it->second.confirmed = true;
      if (it->second.exit.has_value()) {
        early_exit = it->second.exit;
        children_.erase(it);
      }
    }
  }
  if (early_exit.has_value() && on_exit_) on_exit_(spec.task_id, *early_exit);
  return pgid;
}

absl::Status TaskRunner::Adopt(const std::string& task_id, pid_t supervisor_pid,
                               uint64_t supervisor_start_ticks, pid_t pgid,
                               const std::string& state_dir) {
  const int pidfd =
      static_cast<int>(syscall(SYS_pidfd_open, supervisor_pid, 0));
  if (pidfd < 0) return ErrnoStatus(errno, "pidfd_open");
  // Checked after opening: the pidfd then names this very process.
  if (ProcessStartTicks(supervisor_pid) != supervisor_start_ticks) {
    close(pidfd);
    return absl::NotFoundError(absl::StrCat("supervisor ", supervisor_pid,
                                            " of task ", task_id, " is gone"));
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    Child& child = children_[supervisor_pid];
    child.task_id = task_id;
    child.pgid = pgid;
    child.supervised = true;
    child.pidfd = pidfd;
    child.state_dir = state_dir;
    child.confirmed = true;
  }
  Wake();  // poll the new pidfd
  return absl::OkStatus();
}

void TaskRunner::Detach() {
  std::lock_guard<std::mutex> lock(mu_);
  detached_ = true;
}

absl::Status TaskRunner::Terminate(const std::string& task_id,
                                   absl::Duration grace) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = children_.begin();
    while (it != children_.end() &&
           (it->second.task_id != task_id || it->second.discard ||
            it->second.exit.has_value())) {
      ++it;
    }
    if (it == children_.end()) {
      return absl::NotFoundError(
          absl::StrCat("task ", task_id, " is not running"));
    }
    const auto kill_at =
        std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(grace);
    if (!it->second.kill_at.has_value() || kill_at < *it->second.kill_at) {
      it->second.kill_at = kill_at;
    }
    kill(-it->second.pgid, SIGTERM);
  }
  Wake();  // recompute the poll deadline
  return absl::OkStatus();
}

absl::Status TaskRunner::Signal(const std::string& task_id, int sig) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [pid, child] : children_) {
    if (child.task_id == task_id && !child.discard && !child.exit.has_value()) {
      if (kill(-child.pgid, sig) != 0) return ErrnoStatus(errno, "kill");
      return absl::OkStatus();
    }
  }
  return absl::NotFoundError(absl::StrCat("task ", task_id, " is not running"));
}

bool TaskRunner::Running(const std::string& task_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [pid, child] : children_) {
    if (child.task_id == task_id && !child.discard && !child.exit.has_value()) {
      return true;
    }
  }
  return false;
}

int TaskRunner::PollTimeoutMs() {
  std::lock_guard<std::mutex> lock(mu_);
  std::optional<std::chrono::steady_clock::time_point> next;
  for (const auto& [pid, child] : children_) {
    if (child.kill_at.has_value() && (!next || *child.kill_at < *next)) {
      next = child.kill_at;
    }
  }
  if (!next) return -1;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                *next - std::chrono::steady_clock::now())
                .count();
  return ms < 0 ? 0 : static_cast<int>(ms) + 1;
}

void TaskRunner::KillOverdue() {
  std::lock_guard<std::mutex> lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  for (auto& [pid, child] : children_) {
    if (child.kill_at.has_value() && *child.kill_at <= now) {
      kill(-child.pgid, SIGKILL);
      child.kill_at.reset();
    }
  }
}

void TaskRunner::ReapReady() {
  while (true) {
    // Peek first (WNOWAIT): while the leader is an unreaped zombie its pid
    // cannot be reused, so the group kill below cannot hit a stranger.
    siginfo_t info = {};
    if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
      if (errno == EINTR) continue;
      return;  // ECHILD: no children at all
    }
    const pid_t pid = info.si_pid;
    if (pid == 0) return;  // children exist, none has ended
    bool ours, supervised = false;
    std::string state_dir;
    pid_t pgid = pid;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = children_.find(pid);
      ours = it != children_.end();
      if (ours) {
        supervised = it->second.supervised;
        state_dir = it->second.state_dir;
        pgid = it->second.pgid;
      }
    }
    // A task ends with its leader: whatever it left behind in its group
    // (background jobs, daemons) would otherwise keep its devices busy. A
    // supervisor has done that itself.
    if (ours && !supervised) kill(-pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!ours) continue;  // a reaped orphan of some task
    ExitInfo exit = FromWaitStatus(status);
    if (supervised) {
      // The supervisor ends as its task did; its record is the truth when
      // the supervisor itself was killed.
      if (auto recorded = ReadExitRecord(state_dir); recorded.ok()) {
        exit = *recorded;
      } else if (pgid != pid) {
        kill(-pgid, SIGKILL);  // it may have left the task behind
      }
    }
    std::string task_id;
    bool report = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = children_.find(pid);
      if (it == children_.end()) continue;
      if (it->second.confirmed) {
        task_id = it->second.task_id;
        report = true;
        // Adopted by this very process (our child after all): done here.
        if (it->second.pidfd >= 0) close(it->second.pidfd);
        children_.erase(it);
      } else if (it->second.discard) {
        children_.erase(it);
      } else {
        it->second.exit = exit;  // Start reports it after on_running
      }
    }
    if (report && on_exit_) on_exit_(task_id, exit);
  }
}

void TaskRunner::ReapAdopted(const std::vector<int>& ended_pidfds) {
  for (int fd : ended_pidfds) {
    std::string task_id;
    ExitInfo exit;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it =
          std::find_if(children_.begin(), children_.end(),
                       [fd](const auto& c) { return c.second.pidfd == fd; });
      if (it == children_.end()) continue;
      if (auto recorded = ReadExitRecord(it->second.state_dir); recorded.ok()) {
        exit = *recorded;
      } else {
        exit.unknown = true;
        kill(-it->second.pgid, SIGKILL);
      }
      task_id = it->second.task_id;
      close(fd);
      children_.erase(it);
    }
    if (on_exit_) on_exit_(task_id, exit);
  }
}

void TaskRunner::WaiterLoop() {
  const auto give_up = std::chrono::seconds(5);
  std::optional<std::chrono::steady_clock::time_point> stop_deadline;
  while (true) {
    ReapReady();
    KillOverdue();
    int timeout = PollTimeoutMs();
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) {
        // Leaders were SIGKILLed; a process stuck in the kernel (a wedged
        // driver) must not hang the agent's exit forever.
        const auto now = std::chrono::steady_clock::now();
        if (!stop_deadline) stop_deadline = now + give_up;
        if (children_.empty() || detached_ || now >= *stop_deadline) return;
        timeout = 100;
      }
    }
    std::vector<pollfd> fds = {{wake_read_, POLLIN, 0}};
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const auto& [pid, child] : children_) {
        if (child.pidfd >= 0) fds.push_back({child.pidfd, POLLIN, 0});
      }
    }
    if (poll(fds.data(), fds.size(), timeout) > 0) {
      char buf[64];
      while (read(wake_read_, buf, sizeof(buf)) > 0) {
      }
      std::vector<int> ended;
      for (size_t i = 1; i < fds.size(); ++i) {
        if (fds[i].revents != 0) ended.push_back(fds[i].fd);
      }
      ReapAdopted(ended);
    }
  }
}

}  // namespace hetsched::agent
