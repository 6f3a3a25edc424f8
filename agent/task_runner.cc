#include "agent/task_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

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

// The agent's environment with `overrides` applied; later entries win.
std::vector<std::string> MergeEnv(const EnvList& overrides) {
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
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string entry = *e;
    set(entry.substr(0, entry.find('=')), entry);
  }
  for (const auto& [key, value] : overrides) {
    set(key, absl::StrCat(key, "=", value));
  }
  return env;
}

}  // namespace

TaskRunner::TaskRunner(ExitCallback on_exit) : on_exit_(std::move(on_exit)) {
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
    for (const auto& [pid, child] : children_) kill(-pid, SIGKILL);
  }
  Wake();
  waiter_.join();
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
  std::vector<std::string> env = MergeEnv(spec.env);
  auto pointers = [](std::vector<std::string>& strings) {
    std::vector<char*> out(strings.size() + 1, nullptr);
    std::transform(strings.begin(), strings.end(), out.begin(),
                   [](std::string& s) { return s.data(); });
    return out;
  };
  std::vector<char*> envp = pointers(env);
  std::vector<std::string> argv_storage = spec.argv;
  std::vector<char*> argv = pointers(argv_storage);
  const std::string out_path = spec.directory + "/stdout";
  const std::string err_path = spec.directory + "/stderr";
  const int out =
      open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) return ErrnoStatus(errno, out_path);
  const int err =
      open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
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

  pid_t pid;
  int fork_errno = 0;
  {
    // Held across fork so the waiter cannot reap the child before it is
    // registered below.
    std::lock_guard<std::mutex> lock(mu_);
    pid = fork();
    if (pid < 0) fork_errno = errno;
    if (pid == 0) {
      setpgid(0, 0);
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
      if (chdir(directory) != 0) {
        e = errno;
      } else {
        // execvp resolves argv[0] on the PATH of the task's environment.
        environ = envp.data();
        execvp(argv[0], argv.data());
        e = errno;
      }
      (void)!write(exec_pipe[1], &e, sizeof(e));
      _exit(127);
    }
    if (pid > 0) {
      // Both sides set the group, so it is in place whichever runs first.
      setpgid(pid, pid);
      children_[pid].task_id = spec.task_id;
    }
  }
  close(exec_pipe[1]);
  close(out);
  close(err);
  close(in);
  if (pid < 0) {
    close(exec_pipe[0]);
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
    return ErrnoStatus(exec_errno, absl::StrCat("exec ", spec.argv[0]));
  }

  if (on_running) on_running(pid);
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
  return pid;
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
    kill(-it->first, SIGTERM);
  }
  Wake();  // recompute the poll deadline
  return absl::OkStatus();
}

absl::Status TaskRunner::Signal(const std::string& task_id, int sig) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [pid, child] : children_) {
    if (child.task_id == task_id && !child.discard && !child.exit.has_value()) {
      if (kill(-pid, sig) != 0) return ErrnoStatus(errno, "kill");
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
      kill(-pid, SIGKILL);
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
    bool ours;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ours = children_.contains(pid);
    }
    // A task ends with its leader: whatever it left behind in its group
    // (background jobs, daemons) would otherwise keep its devices busy.
    if (ours) kill(-pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!ours) continue;  // a reaped orphan of some task
    const ExitInfo exit = FromWaitStatus(status);
    std::string task_id;
    bool report = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = children_.find(pid);
      if (it == children_.end()) continue;
      if (it->second.confirmed) {
        task_id = it->second.task_id;
        report = true;
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
        if (children_.empty() || now >= *stop_deadline) return;
        timeout = 100;
      }
    }
    pollfd p{wake_read_, POLLIN, 0};
    if (poll(&p, 1, timeout) > 0) {
      char buf[64];
      while (read(wake_read_, buf, sizeof(buf)) > 0) {
      }
    }
  }
}

}  // namespace hetsched::agent
