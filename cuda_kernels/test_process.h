// Test helper: runs a command through the shell and captures its stdout and
// exit code. For the tests that drive the real hetsched-calibrate binary.
// Thread-compatible.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace hetsched::calibrate::testing {

struct ProcessResult {
  int exit_code = -1;  // -1 when it did not exit normally
  std::string stdout_text;
};

inline ProcessResult RunProcess(const std::string& command) {
  ProcessResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
    result.stdout_text.append(buffer, n);
  }
  const int status = pclose(pipe);
  if (status != -1 && WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

// True when this host has an NVIDIA GPU device node. (The tests cannot ask
// CUDA: they are built without it.)
inline bool HostHasNvidiaGpu() { return access("/dev/nvidia0", F_OK) == 0; }

}  // namespace hetsched::calibrate::testing
