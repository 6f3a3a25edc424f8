// `hetsched`: the command line for operators and ML engineers. Everything
// but the process's own streams and environment lives in cli/app.cc.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "cli/app.h"

int main(int argc, char** argv) {
  // Abseil's lock-order graph costs every first lock of a mutex pair; a
  // one-command process with gRPC's few threads gains nothing from it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // Log bytes and tables go out unsynchronised with C stdio; faster for
  // large logs.
  std::ios::sync_with_stdio(false);
  hetsched::cli::CliEnvironment env;
  env.out = &std::cout;
  env.err = &std::cerr;
  env.getenv = [](const std::string& name) {
    const char* value = std::getenv(name.c_str());
    return value == nullptr ? std::string() : std::string(value);
  };
  env.finish = [](int code) {
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
    std::_Exit(code);
  };
  return hetsched::cli::RunCli(std::vector<std::string>(argv, argv + argc),
                               env);
}
