// Workdir archives (JobSpec.workdir_sha256) on the scheduler's disk,
// content-addressed: DATA_DIR/workdirs/<sha256>.tar.gz. An upload is
// written to a temporary file, checked against the digest and size the
// client declared, fsynced, then renamed into place (and the directory
// fsynced): an acknowledged upload is durable, and a crash leaves at most
// a temporary file, removed at the next start. Archives are immutable
// once stored; nothing removes them yet.
//
// Only the SQLite store has such a directory: with --store etcd the
// scheduler has no workdir store and refuses uploads (docs/job-spec.md).
// Thread-safe: uploads write separate temporary files and rename is
// atomic; a second upload of stored bytes only replaces them with the same.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/sha256.h"

namespace hetsched::server {

// The most one archive may hold, whatever the client's own limit.
inline constexpr uint64_t kMaxStoredWorkdirBytes = uint64_t{1} << 30;

class WorkdirStore {
 public:
  // Creates `dir` if needed and removes leftover temporary files.
  static absl::StatusOr<std::unique_ptr<WorkdirStore>> Open(std::string dir);

  // The stored archive's size; NOT_FOUND when none has this digest.
  absl::StatusOr<uint64_t> SizeOf(const std::string& sha256) const;
  // The file of a stored archive (valid digests only).
  std::string PathOf(const std::string& sha256) const;

  // One upload in progress; dropped without Commit, it leaves nothing.
  class Upload {
   public:
    ~Upload();
    // RESOURCE_EXHAUSTED past kMaxStoredWorkdirBytes.
    absl::Status Append(std::string_view data);
    // Checks the bytes against `declared_sha256` and `declared_size` (each
    // skipped when empty/0): INVALID_ARGUMENT on a mismatch. Then makes
    // them durable under their digest. Returns the digest and size, and
    // whether the same archive was stored already.
    struct Stored {
      std::string sha256;
      uint64_t size = 0;
      bool already_stored = false;
    };
    absl::StatusOr<Stored> Commit(const std::string& declared_sha256,
                                  uint64_t declared_size);

   private:
    friend class WorkdirStore;
    Upload(const WorkdirStore* store, std::string tmp, int fd)
        : store_(store), tmp_(std::move(tmp)), fd_(fd) {}
    const WorkdirStore* store_;
    std::string tmp_;
    int fd_;
    uint64_t size_ = 0;
    Sha256 sha_;
  };
  absl::StatusOr<std::unique_ptr<Upload>> StartUpload() const;

 private:
  explicit WorkdirStore(std::string dir) : dir_(std::move(dir)) {}
  const std::string dir_;
};

}  // namespace hetsched::server
