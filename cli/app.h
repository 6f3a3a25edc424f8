// The `hetsched` command line: flag parsing (CLI11), the scheduler
// connection, dispatch to one command, and the exit code. main() only
// hands over argv and the process's streams; tests call RunCli with their
// own streams, environment and clock. Not thread-safe.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "common/clock.h"

namespace hetsched::cli {

struct CliEnvironment {
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  // Looks up an environment variable; "" when unset.
  std::function<std::string(const std::string&)> getenv;
  const Clock* clock = Clock::Real();
  // Called with the exit code once a command that reached the scheduler
  // has flushed its output, its connection still open: main() ends the
  // process there, sparing gRPC's orderly teardown (closing the channel,
  // joining its threads), which a finished command does not need. Empty
  // in tests: RunCli then returns.
  std::function<void(int)> finish;
};

// Runs one invocation; `args[0]` is the program name. Returns the process
// exit code (see ExitCode in cli/client.h).
int RunCli(const std::vector<std::string>& args, const CliEnvironment& env);

}  // namespace hetsched::cli
