// Makes a replica's working directory hold its job's code before the
// command runs. Once per host per job, under WORK_DIR/jobsetup/<job_id>/:
// the workdir archive (from the WorkdirCache) is unpacked into `tree/`,
// and the job's `setup` command runs there (stdout and stderr kept as
// setup.stdout and setup.stderr beside it). Then, for each replica, the
// tree is copied into its task directory with `cp -a`, run as the task's
// account, so that only what that account may read is copied.
//
// Replicas of one job on this host that arrive together wait for one
// preparation; a later attempt of the job reuses a tree that was
// prepared, and prepares again after a failure. Trees stay until the
// work dir is cleaned. Thread-safe; Prepare blocks (run it off the
// scheduler link's thread).
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "agent/child_launcher.h"
#include "agent/workdir_cache.h"
#include "hetsched/v1/agent.pb.h"

namespace hetsched::agent {

class WorkdirPreparer {
 public:
  // `cache` and `launcher` must outlive the preparer.
  WorkdirPreparer(std::string work_dir, WorkdirCache* cache,
                  ChildLauncher* launcher)
      : work_dir_(std::move(work_dir)), cache_(cache), launcher_(launcher) {}

  // Whether the assignment ships code or a setup step.
  static bool Needed(const v1::TaskAssignment& assignment) {
    return !assignment.workdir_sha256().empty() || !assignment.setup().empty();
  }

  // Fills `task_dir` (existing, the task's account's) with the job's
  // prepared tree. `env` and `run_as` are the task's (setup runs with the
  // first replica's). `cancel` (may be null) stops a setup in progress.
  // Errors say what failed: the fetch, the unpack, or "setup failed
  // (exit code N)" and the end of its stderr; `exit_code` is then setup's
  // exit code (1 for other failures).
  absl::Status Prepare(const v1::TaskAssignment& assignment,
                       const std::string& task_dir, const EnvList& env,
                       const std::optional<RunAs>& run_as,
                       const std::atomic<bool>* cancel, int* exit_code);

 private:
  struct JobTree {
    bool preparing = false;
    bool ready = false;
    uint32_t attempt = 0;  // of the preparation's result
    absl::Status result;
    int exit_code = 1;  // setup's, when it failed
  };
  // Unpacks and runs setup into WORK_DIR/jobsetup/<job_id>.
  absl::Status PrepareTree(const v1::TaskAssignment& assignment,
                           const std::string& job_setup_dir, const EnvList& env,
                           const std::optional<RunAs>& run_as,
                           const std::atomic<bool>* cancel, int* exit_code);

  const std::string work_dir_;
  WorkdirCache* const cache_;
  ChildLauncher* const launcher_;
  std::mutex mu_;
  std::condition_variable done_;
  std::map<std::string, JobTree> jobs_;
};

}  // namespace hetsched::agent
