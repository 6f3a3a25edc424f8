// A StateStore decorator that times every Write into SchedulerMetrics and
// forwards everything else untouched. Thread-safe as the store it wraps.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "scheduler/server/metrics.h"
#include "scheduler/store/state_store.h"

namespace hetsched::server {

class TimedStateStore final : public store::StateStore {
 public:
  TimedStateStore(std::unique_ptr<store::StateStore> inner,
                  SchedulerMetrics* metrics)
      : inner_(std::move(inner)), metrics_(metrics) {}

  absl::Status Write(const store::WriteBatch& batch) override;
  absl::StatusOr<std::vector<v1::Job>> LoadJobs() override {
    return inner_->LoadJobs();
  }
  absl::StatusOr<std::vector<v1::Node>> LoadNodes() override {
    return inner_->LoadNodes();
  }
  absl::StatusOr<std::vector<v1::JobEvent>> LoadEvents(
      const std::string& job_id) override {
    return inner_->LoadEvents(job_id);
  }
  absl::StatusOr<std::map<std::string, std::vector<v1::JobEvent>>>
  LoadAllEvents() override {
    return inner_->LoadAllEvents();
  }
  absl::StatusOr<std::vector<v1::Job>> LoadRetired() override {
    return inner_->LoadRetired();
  }

 private:
  std::unique_ptr<store::StateStore> inner_;
  SchedulerMetrics* const metrics_;
};

}  // namespace hetsched::server
