#include "tests/integration/child_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace hetsched::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<char*> Argv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  out.reserve(argv.size() + 1);
  for (const auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ChildProcess>> ChildProcess::Start(
    const std::vector<std::string>& argv, const std::string& log_path) {
  // stdout alone in the log, so its first line is the daemon's own.
  int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int err_fd =
      open((log_path + ".err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || err_fd < 0) {
    return absl::InternalError("cannot open " + log_path);
  }
  pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    dup2(fd, 1);
    dup2(err_fd, 2);
    close(fd);
    close(err_fd);
    auto args = Argv(argv);
    execv(args[0], args.data());
    _exit(127);
  }
  close(fd);
  close(err_fd);
  return std::unique_ptr<ChildProcess>(new ChildProcess(pid, log_path));
}

ChildProcess::~ChildProcess() {
  if (!reaped_) Stop();
}

absl::StatusOr<std::string> ChildProcess::WaitForListenAddress(
    absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  const std::string marker = " listening on ";
  while (absl::Now() < deadline) {
    std::string log = Stdout();
    size_t eol = log.find('\n');
    if (eol != std::string::npos) {
      std::string line = log.substr(0, eol);
      size_t at = line.find(marker);
      if (at == std::string::npos) {
        return absl::InternalError("unexpected first line: " + line);
      }
      return line.substr(at + marker.size());
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      reaped_ = true;
      status_ = status;
      return absl::InternalError("exited before listening: " + Log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return absl::DeadlineExceededError("no listen line in " + log_path_);
}

int ChildProcess::Stop(absl::Duration grace) {
  if (reaped_) return status_;
  kill(pid_, SIGTERM);
  const absl::Time deadline = absl::Now() + grace;
  while (absl::Now() < deadline) {
    if (waitpid(pid_, &status_, WNOHANG) == pid_) {
      reaped_ = true;
      return status_;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, &status_, 0);
  reaped_ = true;
  return status_;
}

void ChildProcess::Crash() {
  if (reaped_) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, &status_, 0);
  reaped_ = true;
}

std::string ChildProcess::Log() const {
  return ReadFile(log_path_) + ReadFile(log_path_ + ".err");
}

std::string ChildProcess::Stdout() const { return ReadFile(log_path_); }

CommandResult RunCommand(const std::vector<std::string>& argv) {
  CommandResult result;
  char out_tmpl[] = "/tmp/hetsched-cmd-out-XXXXXX";
  char err_tmpl[] = "/tmp/hetsched-cmd-err-XXXXXX";
  int out_fd = mkstemp(out_tmpl);
  int err_fd = mkstemp(err_tmpl);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    auto args = Argv(argv);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  close(out_fd);
  close(err_fd);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = ReadFile(out_tmpl);
  result.err = ReadFile(err_tmpl);
  unlink(out_tmpl);
  unlink(err_tmpl);
  return result;
}

bool ProcessGone(pid_t pid) {
  if (kill(pid, 0) != 0) return errno == ESRCH;
  // A zombie still answers kill(); its state in /proc says Z.
  std::string stat = ReadFile(absl::StrCat("/proc/", pid, "/stat"));
  size_t close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() &&
         stat[close + 2] == 'Z';
}

absl::StatusOr<int> FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return absl::UnavailableError("no free loopback port");
  }
  close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace hetsched::testing
