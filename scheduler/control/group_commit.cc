#include "scheduler/control/group_commit.h"

#include <utility>
#include <vector>

namespace hetsched::control {

uint64_t GroupCommit::Append(store::WriteBatch batch) {
  absl::MutexLock lock(&mu_);
  for (auto& job : batch.jobs) {
    auto [it, inserted] =
        queued_job_index_.try_emplace(job.id(), queued_.jobs.size());
    if (inserted) {
      queued_.jobs.push_back(std::move(job));
    } else {
      queued_.jobs[it->second] = std::move(job);
    }
  }
  // A delete and a write of one node: the later one wins.
  for (auto& name : batch.deleted_nodes) {
    std::erase_if(queued_.nodes,
                  [&](const v1::Node& n) { return n.info().name() == name; });
    queued_.deleted_nodes.push_back(std::move(name));
  }
  for (auto& node : batch.nodes) {
    std::erase(queued_.deleted_nodes, node.info().name());
    queued_.nodes.push_back(std::move(node));
  }
  for (auto& event : batch.events) queued_.events.push_back(std::move(event));
  // A retired job leaves the store: nothing queued for it is written.
  for (auto& summary : batch.retired_jobs) {
    if (auto it = queued_job_index_.find(summary.id());
        it != queued_job_index_.end()) {
      queued_.jobs.erase(queued_.jobs.begin() +
                         static_cast<std::ptrdiff_t>(it->second));
      queued_job_index_.clear();
      for (size_t i = 0; i < queued_.jobs.size(); ++i) {
        queued_job_index_[queued_.jobs[i].id()] = i;
      }
    }
    std::erase_if(queued_.events, [&](const v1::JobEvent& e) {
      return e.job_id() == summary.id();
    });
    queued_.retired_jobs.push_back(std::move(summary));
  }
  ++stats_.appends;
  return ++appended_;
}

uint64_t GroupCommit::Deliver(std::shared_ptr<AgentSink> sink,
                              v1::SchedulerMessage message) {
  absl::MutexLock lock(&mu_);
  queued_deliveries_.push_back({std::move(sink), std::move(message)});
  ++stats_.appends;
  return ++appended_;
}

uint64_t GroupCommit::last_appended() const {
  absl::MutexLock lock(&mu_);
  return appended_;
}

absl::Status GroupCommit::AwaitDurable(uint64_t seq) {
  absl::MutexLock lock(&mu_);
  while (true) {
    if (!failure_.ok()) return failure_;
    if (durable_ >= seq) return absl::OkStatus();
    if (!writing_) {
      WriteQueuedLocked();
      continue;
    }
    durable_cv_.Wait(&mu_);
  }
}

void GroupCommit::WriteQueuedLocked() {
  writing_ = true;
  store::WriteBatch batch = std::exchange(queued_, {});
  std::vector<Delivery> deliveries = std::exchange(queued_deliveries_, {});
  queued_job_index_.clear();
  const uint64_t upto = appended_;
  mu_.Unlock();
  absl::Status written =
      batch.empty() ? absl::OkStatus() : store_->Write(batch);
  // Still the only writer (writing_), so messages leave in append order.
  if (written.ok()) {
    for (auto& d : deliveries) d.sink->Send(d.message);
  }
  mu_.Lock();
  writing_ = false;
  if (written.ok()) {
    durable_ = upto;
    if (!batch.empty()) ++stats_.writes;
  } else {
    failure_ = std::move(written);
  }
  durable_cv_.SignalAll();
}

absl::Status GroupCommit::status() const {
  absl::MutexLock lock(&mu_);
  return failure_;
}

GroupCommitStats GroupCommit::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

}  // namespace hetsched::control
