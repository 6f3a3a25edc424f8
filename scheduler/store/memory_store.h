// StateStore in memory, for tests: what a write would put on disk is kept
// in maps, and a test can make writes fail or hold them at the door to see
// what callers do while a write is in flight.
//
// Thread-safe.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "scheduler/store/state_store.h"

namespace hetsched::store {

class MemoryStore final : public StateStore {
 public:
  absl::Status Write(const WriteBatch& batch) override;
  absl::StatusOr<std::vector<hetsched::v1::Job>> LoadJobs() override;
  absl::StatusOr<std::vector<hetsched::v1::Node>> LoadNodes() override;
  absl::StatusOr<std::vector<hetsched::v1::JobEvent>> LoadEvents(
      const std::string& job_id) override;
  absl::StatusOr<std::map<std::string, std::vector<hetsched::v1::JobEvent>>>
  LoadAllEvents() override;
  absl::StatusOr<std::vector<hetsched::v1::Job>> LoadRetired() override;

  // Every later Write fails with `status` (OK heals the store).
  void FailWrites(absl::Status status);
  // Writes wait inside Write until Release(); WritesWaiting() counts them.
  void HoldWrites();
  void Release();
  int WritesWaiting() const;
  // Writes that reached the store, and how many records each carried.
  std::vector<size_t> WriteSizes() const;

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, hetsched::v1::Job> jobs_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, hetsched::v1::Node> nodes_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::vector<hetsched::v1::JobEvent>> events_
      ABSL_GUARDED_BY(mu_);
  std::map<std::string, hetsched::v1::Job> retired_ ABSL_GUARDED_BY(mu_);
  absl::Status failure_ ABSL_GUARDED_BY(mu_);
  bool hold_ ABSL_GUARDED_BY(mu_) = false;
  int waiting_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<size_t> write_sizes_ ABSL_GUARDED_BY(mu_);
};

}  // namespace hetsched::store
