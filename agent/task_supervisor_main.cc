// hetsched-task-supervisor [--max-log-bytes N] STATE_DIR REPORT_FD
//                          CREDENTIALS COMMAND [ARG...]
//
// Runs one task on behalf of the agent and outlives it (Slurm's
// slurmstepd idea): in a session of its own, it starts COMMAND as the
// leader of a new process group (cwd, environment and stdout/stderr are
// the ones the agent gave it), records who it is in STATE_DIR/supervisor
// (supervisor_state.h), waits for the task, kills what the task left
// behind (its group, and orphans re-parented to this child subreaper),
// records the exit in STATE_DIR/exit and ends the same way the task did.
// A restarted agent reads both files to adopt the task or learn its end.
//
// CREDENTIALS is "-" (run as this process's user) or "UID:GID:G1,G2,..."
// (the task drops to that account before exec; the supervisor stays who
// it is, to keep its records where the task cannot write).
//
// On REPORT_FD it tells the agent once: "running PGID\n", or "exec ERRNO\n"
// when COMMAND could not be executed (it then exits 127).
//
// --max-log-bytes N (N > 0): the task writes into pipes and the supervisor
// copies them into its own stdout and stderr (the task's log files), at
// most N bytes each, then a note, then drops the rest (output_relay.h).
// Without it (agents before the cap, which may still start this binary
// during an upgrade) the task writes straight into the files.
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "agent/output_relay.h"
#include "agent/supervisor_state.h"

namespace {

using hetsched::agent::ExitInfo;

constexpr int kStopSignals[] = {SIGTERM, SIGINT,  SIGHUP, SIGQUIT,
                                SIGUSR1, SIGUSR2, SIGPIPE};

struct Credentials {
  bool drop = false;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
};

// "-" or "UID:GID:G1,G2,...".
bool ParseCredentials(const std::string& text, Credentials* out) {
  if (text == "-") return true;
  unsigned long uid = 0, gid = 0;  // NOLINT(runtime/int): sscanf's %lu
  int used = 0;
  if (std::sscanf(text.c_str(), "%lu:%lu:%n", &uid, &gid, &used) != 2 ||
      used == 0) {
    return false;
  }
  out->drop = true;
  out->uid = static_cast<uid_t>(uid);
  out->gid = static_cast<gid_t>(gid);
  std::string rest = text.substr(used);
  size_t at = 0;
  while (at < rest.size()) {
    size_t comma = rest.find(',', at);
    if (comma == std::string::npos) comma = rest.size();
    out->groups.push_back(static_cast<gid_t>(
        std::strtoul(rest.substr(at, comma - at).c_str(), nullptr, 10)));
    at = comma + 1;
  }
  return true;
}

void Report(int fd, const std::string& line) {
  (void)!write(fd, line.data(), line.size());
}

// Children of this process that are still there (orphans of the task).
std::vector<pid_t> OwnChildren() {
  std::vector<pid_t> out;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return out;
  const pid_t self = getpid();
  while (dirent* e = readdir(proc)) {
    const pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    if (pid <= 0) continue;
    FILE* f =
        std::fopen(("/proc/" + std::string(e->d_name) + "/stat").c_str(), "r");
    if (f == nullptr) continue;
    char buf[512] = {};
    const size_t n = std::fread(buf, 1, sizeof(buf) - 1, f);
    std::fclose(f);
    const char* close = std::strrchr(buf, ')');
    if (n == 0 || close == nullptr) continue;
    char state = 0;
    int ppid = 0;
    if (std::sscanf(close + 2, "%c %d", &state, &ppid) == 2 && ppid == self) {
      out.push_back(pid);
    }
  }
  closedir(proc);
  return out;
}

// Kills the task's group and every orphan it left, and reaps them; gives
// up after a few seconds on a process stuck in the kernel.
void KillLeftovers(pid_t pgid) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    kill(-pgid, SIGKILL);
    for (pid_t pid : OwnChildren()) kill(pid, SIGKILL);
    int status = 0;
    const pid_t reaped = waitpid(-1, &status, WNOHANG);
    if (reaped < 0 && errno == ECHILD) return;
    if (reaped <= 0) usleep(10000);
  }
}

// Ends this process the way the task ended.
[[noreturn]] void EndLike(const ExitInfo& exit) {
  if (exit.signal > 0) {
    const rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    signal(exit.signal, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, exit.signal);
    sigprocmask(SIG_UNBLOCK, &set, nullptr);
    raise(exit.signal);
  }
  _exit(exit.exit_code);
}

}  // namespace

int main(int argc, char** argv) {
  // The option comes first; STATE_DIR is an absolute path, never "--...".
  uint64_t max_log_bytes = 0;
  int first = 1;
  if (argc > 2 && std::strcmp(argv[1], "--max-log-bytes") == 0) {
    char* end = nullptr;
    errno = 0;
    max_log_bytes = std::strtoull(argv[2], &end, 10);
    if (errno != 0 || end == argv[2] || *end != '\0' || argv[2][0] == '-') {
      std::fprintf(stderr,
                   "hetsched-task-supervisor: bad --max-log-bytes '%s'\n",
                   argv[2]);
      return 2;
    }
    first = 3;
  }
  if (argc - first < 4) {
    std::fprintf(stderr,
                 "usage: hetsched-task-supervisor [--max-log-bytes N] "
                 "STATE_DIR REPORT_FD CREDENTIALS COMMAND [ARG...]\n");
    return 2;
  }
  const std::string state_dir = argv[first];
  const int report_fd = std::atoi(argv[first + 1]);
  Credentials credentials;
  if (!ParseCredentials(argv[first + 2], &credentials)) {
    std::fprintf(stderr, "hetsched-task-supervisor: bad CREDENTIALS '%s'\n",
                 argv[first + 2]);
    return 2;
  }
  char** command = argv + first + 3;
  fcntl(report_fd, F_SETFD, FD_CLOEXEC);
  // Out of the agent's session and group: stopping or killing the agent
  // (its group, its terminal) leaves the task running.
  setsid();
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  // Signals meant for the task's group never stop its supervisor.
  for (int sig : kStopSignals) signal(sig, SIG_IGN);

  // With a cap the task's stdout and stderr are pipes read by the relay.
  const bool relay = max_log_bytes > 0;
  int out_pipe[2] = {-1, -1};
  int err_pipe[2] = {-1, -1};
  int exec_pipe[2];
  if ((relay &&
       (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0)) ||
      pipe2(exec_pipe, O_CLOEXEC) != 0) {
    Report(report_fd, "exec " + std::to_string(errno) + "\n");
    return 127;
  }
  const pid_t child = fork();
  if (child == 0) {
    setpgid(0, 0);
    for (int sig : kStopSignals) signal(sig, SIG_DFL);
    close(report_fd);
    int e = 0;
    if (relay && (dup2(out_pipe[1], STDOUT_FILENO) < 0 ||
                  dup2(err_pipe[1], STDERR_FILENO) < 0)) {
      e = errno;
    } else if (credentials.drop &&
               (setgroups(credentials.groups.size(),
                          credentials.groups.data()) != 0 ||
                setgid(credentials.gid) != 0 || setuid(credentials.uid) != 0)) {
      e = errno;
    } else {
      execvp(command[0], command);
      e = errno;
    }
    (void)!write(exec_pipe[1], &e, sizeof(e));
    _exit(127);
  }
  if (child < 0) {
    Report(report_fd, "exec " + std::to_string(errno) + "\n");
    return 127;
  }
  setpgid(child, child);  // both sides: in place whichever runs first
  close(exec_pipe[1]);
  if (relay) {
    close(out_pipe[1]);
    close(err_pipe[1]);
  }
  int exec_errno = 0;
  ssize_t got;
  do {
    got = read(exec_pipe[0], &exec_errno, sizeof(exec_errno));
  } while (got < 0 && errno == EINTR);
  close(exec_pipe[0]);
  if (got == static_cast<ssize_t>(sizeof(exec_errno))) {
    waitpid(child, nullptr, 0);
    Report(report_fd, "exec " + std::to_string(exec_errno) + "\n");
    return 127;
  }

  hetsched::agent::SupervisorRecord record;
  record.pid = getpid();
  record.start_ticks = hetsched::agent::ProcessStartTicks(record.pid);
  record.pgid = child;
  record.started_unix_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count();
  if (auto s = hetsched::agent::WriteSupervisorRecord(state_dir, record);
      !s.ok()) {
    std::fprintf(stderr, "hetsched-task-supervisor: %s\n",
                 std::string(s.message()).c_str());
  }
  Report(report_fd, "running " + std::to_string(child) + "\n");
  close(report_fd);

  std::vector<hetsched::agent::RelayStream> streams(2);
  streams[0].in = out_pipe[0];
  streams[0].out = STDOUT_FILENO;
  streams[1].in = err_pipe[0];
  streams[1].out = STDERR_FILENO;
  int stop_relay[2] = {-1, -1};
  std::thread relay_thread;
  if (relay) {
    if (pipe2(stop_relay, O_CLOEXEC) != 0) stop_relay[0] = stop_relay[1] = -1;
    relay_thread = std::thread([&] {
      hetsched::agent::RelayOutput(streams, max_log_bytes, stop_relay[0]);
    });
  }

  // Wait for the leader; reap orphans that end meanwhile.
  int status = 0;
  while (true) {
    const pid_t reaped = waitpid(-1, &status, 0);
    if (reaped == child) break;
    if (reaped < 0 && errno != EINTR) break;
  }
  ExitInfo exit;
  if (WIFEXITED(status)) {
    exit.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    exit.signal = WTERMSIG(status);
    exit.exit_code = 128 + exit.signal;
  }
  KillLeftovers(child);
  if (relay_thread.joinable()) {
    // Every writer is gone: the relay copies what the pipes still hold and
    // ends, before the exit is recorded (the log is then complete).
    if (stop_relay[1] >= 0) (void)!write(stop_relay[1], "x", 1);
    relay_thread.join();
  }
  if (auto s = hetsched::agent::WriteExitRecord(state_dir, exit); !s.ok()) {
    std::fprintf(stderr, "hetsched-task-supervisor: %s\n",
                 std::string(s.message()).c_str());
  }
  EndLike(exit);
}
