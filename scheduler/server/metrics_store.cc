#include "scheduler/server/metrics_store.h"

#include "absl/time/clock.h"

namespace hetsched::server {

absl::Status TimedStateStore::Write(const store::WriteBatch& batch) {
  const absl::Time start = absl::Now();
  absl::Status status = inner_->Write(batch);
  metrics_->ObserveStoreWrite(absl::Now() - start, status.ok());
  return status;
}

}  // namespace hetsched::server
