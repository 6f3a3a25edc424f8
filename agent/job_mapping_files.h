// dcgm-exporter's HPC job mapping (its --hpc-job-mapping-dir): one file
// per GPU, named by the GPU's index, holding the ids of the jobs running
// on it, one per line. dcgm-exporter reads the directory at each scrape
// and adds an `hpc_job` label to every series of that GPU, so the stock
// DCGM dashboards can be cut by job. The agent keeps the directory in
// step with its tasks (--dcgm-job-mapping-dir); files of GPUs no task
// holds are removed. Thread-safe: Sync() may run on the writer's thread
// while others only construct and destroy.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "agent/task_manager.h"
#include "common/periodic_thread.h"

namespace hetsched::agent {

class JobMappingFiles {
 public:
  using Source = std::function<std::vector<TaskManager::DeviceAllocation>()>;

  JobMappingFiles(std::string dir, Source source);

  // Creates the directory and removes every mapping file in it: a file
  // left by an earlier agent would name a job that may have ended.
  absl::Status Init();
  // Writes the files whose content changed since the last call (each
  // atomically: a temporary file renamed over it) and removes those of
  // GPUs no longer held. A failed write is retried at the next call.
  void Sync();
  // Syncs every `interval` on a thread of its own until destruction.
  void Start(absl::Duration interval);

 private:
  const std::string dir_;
  const Source source_;
  std::map<uint32_t, std::string> written_;  // device -> content on disk
  PeriodicThread thread_;  // last: stopped before the rest goes
};

}  // namespace hetsched::agent
