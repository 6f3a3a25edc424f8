// AgentLogService: streams a task's stdout or stderr file to the scheduler
// (which proxies it to the CLI), optionally following it until the task
// ends. A synchronous service on purpose: following a file is a loop that
// blocks between reads, which the sync server's per-call thread suits.
// Thread-safe: each call only reads files and asks TaskActivity. Under
// mutual TLS only the scheduler's certificate (CN=system:scheduler) and
// the agent's --tls-admins may read: users go through the scheduler,
// which checks who owns the job.
#pragma once

#include <set>
#include <string>

#include "absl/time/time.h"
#include "agent/task_activity.h"
#include "hetsched/v1/agent.grpc.pb.h"

namespace hetsched::agent {

class LogService final : public v1::AgentLogService::Service {
 public:
  // `poll` bounds how long a follower waits for new output before looking
  // again; the wait ends at once when the task ends.
  LogService(std::string work_dir, TaskActivity* tasks,
             absl::Duration poll = absl::Milliseconds(100))
      : work_dir_(std::move(work_dir)), tasks_(tasks), poll_(poll) {}

  // Refuse every caller but the scheduler and `admins` (call before
  // serving; only with mutual TLS, where callers have names).
  void RequireReaders(std::set<std::string> admins) {
    enforce_readers_ = true;
    admins_ = std::move(admins);
  }

  grpc::Status ReadTaskLog(grpc::ServerContext* context,
                           const v1::ReadTaskLogRequest* request,
                           grpc::ServerWriter<v1::LogChunk>* writer) override;

 private:
  std::string work_dir_;
  TaskActivity* tasks_;
  absl::Duration poll_;
  bool enforce_readers_ = false;
  std::set<std::string> admins_;
};

}  // namespace hetsched::agent
