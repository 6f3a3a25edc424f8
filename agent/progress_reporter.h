// Step counts that running replicas report about themselves: a task may
// write its step count to the file named by HETSCHED_PROGRESS_FILE ("N" or
// "steps N", last line wins); the agent reads it every period and sends a
// TaskProgress when the count moved. The scheduler turns rank 0's counts
// into the job's measured steps/s. Thread-safe: Poll() may run on the
// reporter's own thread while others call nothing else.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/clock.h"
#include "common/periodic_thread.h"
#include "hetsched/v1/agent.pb.h"

namespace hetsched::agent {

inline constexpr char kProgressFileName[] = "progress";

// The count in a progress file's text, or nullopt when there is none.
std::optional<uint64_t> ParseProgress(const std::string& text);

class ProgressReporter {
 public:
  using RunningTasks = std::function<std::vector<v1::TaskStatus>()>;
  using Sink = std::function<void(const v1::TaskProgress&)>;

  ProgressReporter(std::string work_dir, RunningTasks running, Sink sink,
                   const Clock* clock);

  // Reads every running task's file once; reports the counts that moved.
  void Poll();
  // Polls every `interval` on a thread of its own until destruction.
  void Start(absl::Duration interval);

 private:
  const std::string work_dir_;
  const RunningTasks running_;
  const Sink sink_;
  const Clock* const clock_;
  std::map<std::string, uint64_t> last_;  // by task id; only Poll() uses it
  PeriodicThread thread_;                 // last: stopped before the rest goes
};

}  // namespace hetsched::agent
