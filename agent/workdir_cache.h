// The agent's cache of workdir archives, by sha256:
// WORK_DIR/workdirs/<sha256>.tar.gz. An archive is fetched from the
// scheduler (AgentService.FetchWorkdir) once per host, however many
// replicas and jobs use it: callers asking for a digest being fetched wait
// for that fetch. It is verified (its sha256 recomputed) before it is
// renamed into place, so a file in the cache is always whole and right.
// Nothing is evicted yet. Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"

namespace hetsched::agent {

class WorkdirCache {
 public:
  // Writes the archive with digest `sha256` to the file `path`.
  using Fetcher = std::function<absl::Status(const std::string& sha256,
                                             const std::string& path)>;

  WorkdirCache(std::string dir, Fetcher fetch)
      : dir_(std::move(dir)), fetch_(std::move(fetch)) {}

  // The cached archive's path, fetching and verifying it first if needed.
  // A fetch or a digest mismatch is an error naming the digest; the next
  // call tries again.
  absl::StatusOr<std::string> Get(const std::string& sha256);

  // Archives fetched since the cache was made (for tests and metrics).
  int64_t fetches() const;

 private:
  absl::StatusOr<std::string> FetchAndVerify(const std::string& sha256);

  const std::string dir_;
  const Fetcher fetch_;
  mutable std::mutex mu_;
  std::condition_variable fetched_;
  std::set<std::string> in_flight_;
  int64_t fetches_ = 0;
};

// A Fetcher over AgentService.FetchWorkdir on `channel`, each fetch
// bounded by `timeout`.
WorkdirCache::Fetcher FetchOverGrpc(std::shared_ptr<grpc::Channel> channel,
                                    absl::Duration timeout);

}  // namespace hetsched::agent
