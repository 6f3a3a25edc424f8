// A real child process for integration tests: started with argv, stdout
// and stderr to a log file, stopped with SIGTERM (or killed outright to
// simulate a crash). Not thread-safe; one owner.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace hetsched::testing {

class ChildProcess {
 public:
  static absl::StatusOr<std::unique_ptr<ChildProcess>> Start(
      const std::vector<std::string>& argv, const std::string& log_path);
  ~ChildProcess();

  // The address in "... listening on HOST:PORT", the daemons' first line.
  absl::StatusOr<std::string> WaitForListenAddress(absl::Duration timeout);
  // SIGTERM, then SIGKILL after `grace`; returns the exit status.
  int Stop(absl::Duration grace = absl::Seconds(10));
  // SIGKILL: a crash.
  void Crash();
  pid_t pid() const { return pid_; }
  // stdout then stderr, as written so far.
  std::string Log() const;
  // stdout alone: the daemon's own lines ("... listening on ..."), which
  // its stderr logging can never get in front of.
  std::string Stdout() const;

 private:
  ChildProcess(pid_t pid, std::string log_path)
      : pid_(pid), log_path_(std::move(log_path)) {}
  pid_t pid_;
  std::string log_path_;
  bool reaped_ = false;
  int status_ = 0;
};

// Runs a command to completion; returns exit code and stdout.
struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
CommandResult RunCommand(const std::vector<std::string>& argv);

// A loopback port that was free a moment ago (bound, read, released): for
// programs that cannot report the port they chose themselves.
absl::StatusOr<int> FreeLoopbackPort();

// True when no process with this pid exists (zombies count as gone).
bool ProcessGone(pid_t pid);

}  // namespace hetsched::testing
