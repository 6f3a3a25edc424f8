// Durable scheduler state behind one interface: jobs (with their tasks),
// nodes and job events. A write returns only once it is on disk, so what
// the scheduler acknowledges survives a crash of the process.
// Implementations are thread-safe.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "hetsched/v1/job.pb.h"
#include "hetsched/v1/node.pb.h"

namespace hetsched::store {

// Writes applied together in one transaction: all or none.
struct WriteBatch {
  std::vector<hetsched::v1::Job> jobs;
  std::vector<hetsched::v1::Node> nodes;
  std::vector<hetsched::v1::JobEvent> events;
  // Nodes to forget (hetsched node delete). A name is never both here and
  // in `nodes`: whoever merges batches keeps only the later of the two.
  std::vector<std::string> deleted_nodes;
  // Finished jobs that leave the store after the retention period: their
  // record and events are deleted, and this summary (id, owner, queue and
  // the tasks' node, kind, devices and times: what usage reports need) is
  // kept in their place. Written after everything else in the batch.
  std::vector<hetsched::v1::Job> retired_jobs;
  bool empty() const {
    return jobs.empty() && nodes.empty() && events.empty() &&
           deleted_nodes.empty() && retired_jobs.empty();
  }
};

// Events grouped by job, each job's in the order given.
inline std::map<std::string, std::vector<hetsched::v1::JobEvent>> GroupByJob(
    std::vector<hetsched::v1::JobEvent> events) {
  std::map<std::string, std::vector<hetsched::v1::JobEvent>> by_job;
  for (auto& e : events) by_job[e.job_id()].push_back(std::move(e));
  return by_job;
}

class StateStore {
 public:
  virtual ~StateStore() = default;

  // SQLite in WAL mode at DATA_DIR/hetsched.db; creates the directory.
  static absl::StatusOr<std::unique_ptr<StateStore>> OpenSqlite(
      const std::string& data_dir);

  virtual absl::Status Write(const WriteBatch& batch) = 0;
  virtual absl::StatusOr<std::vector<hetsched::v1::Job>> LoadJobs() = 0;
  virtual absl::StatusOr<std::vector<hetsched::v1::Node>> LoadNodes() = 0;
  // Events of one job, oldest first.
  virtual absl::StatusOr<std::vector<hetsched::v1::JobEvent>> LoadEvents(
      const std::string& job_id) = 0;
  // Every job's events, oldest first within a job: one scan, for recovery
  // (a new leader must not make a round trip per job).
  virtual absl::StatusOr<
      std::map<std::string, std::vector<hetsched::v1::JobEvent>>>
  LoadAllEvents() = 0;
  // The summaries of retired jobs (WriteBatch::retired_jobs).
  virtual absl::StatusOr<std::vector<hetsched::v1::Job>> LoadRetired() = 0;
};

}  // namespace hetsched::store
