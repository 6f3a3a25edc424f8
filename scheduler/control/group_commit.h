// Group commit, LevelDB's write group for the control plane: a change is
// applied in memory and appended here under the control plane's lock; the
// first caller that then waits for it becomes the writer of everything
// appended so far, writes it as one store transaction with no lock held,
// and wakes every caller whose change that write covered. Messages to
// agents that follow from a change (assignments, kills) go out only once
// the change is durable, in the order they were appended.
//
// Thread-safe. A failed write is sticky: memory is then ahead of the store,
// every later wait fails, and only a restart (which recovers from the
// store) realigns them. So nothing is ever acknowledged that is not on
// disk.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "scheduler/control/agent_sink.h"
#include "scheduler/store/state_store.h"

namespace hetsched::control {

struct GroupCommitStats {
  uint64_t appends = 0;  // changes and deliveries queued
  uint64_t writes = 0;   // store transactions that carried them
};

class GroupCommit {
 public:
  explicit GroupCommit(store::StateStore* store) : store_(store) {}

  // Queues a change; returns its sequence number. A job written twice
  // before a write keeps only its newest version.
  uint64_t Append(store::WriteBatch batch);
  // Queues a message for after everything appended so far is durable.
  uint64_t Deliver(std::shared_ptr<AgentSink> sink,
                   v1::SchedulerMessage message);
  uint64_t last_appended() const;

  // Returns once every change up to `seq` is durable and its messages
  // sent, or with the write's error. Never call it holding a lock that
  // writers' callers need.
  absl::Status AwaitDurable(uint64_t seq);
  // The sticky write error, OK while every write succeeded.
  absl::Status status() const;
  GroupCommitStats stats() const;

 private:
  struct Delivery {
    std::shared_ptr<AgentSink> sink;
    v1::SchedulerMessage message;
  };
  // Writes what is queued; called with mu_ held and writing_ taken.
  void WriteQueuedLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  store::StateStore* const store_;
  mutable absl::Mutex mu_;
  absl::CondVar durable_cv_;
  store::WriteBatch queued_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, size_t> queued_job_index_ ABSL_GUARDED_BY(mu_);
  std::vector<Delivery> queued_deliveries_ ABSL_GUARDED_BY(mu_);
  uint64_t appended_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t durable_ ABSL_GUARDED_BY(mu_) = 0;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status failure_ ABSL_GUARDED_BY(mu_);
  GroupCommitStats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace hetsched::control
