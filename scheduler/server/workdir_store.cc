#include "scheduler/server/workdir_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace hetsched::server {
namespace {

constexpr char kTmpPrefix[] = ".upload-";

absl::Status Errno(const std::string& what) {
  return absl::UnavailableError(absl::StrCat(what, ": ", std::strerror(errno)));
}

absl::Status SyncDirectory(const std::string& dir) {
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno(dir);
  const int rc = fsync(fd);
  close(fd);
  return rc == 0 ? absl::OkStatus() : Errno(dir);
}

}  // namespace

absl::StatusOr<std::unique_ptr<WorkdirStore>> WorkdirStore::Open(
    std::string dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat(dir, ": ", ec.message()));
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (absl::StartsWith(entry.path().filename().string(), kTmpPrefix)) {
      std::filesystem::remove(entry.path(), ec);
    }
  }
  return std::unique_ptr<WorkdirStore>(new WorkdirStore(std::move(dir)));
}

std::string WorkdirStore::PathOf(const std::string& sha256) const {
  return absl::StrCat(dir_, "/", sha256, ".tar.gz");
}

absl::StatusOr<uint64_t> WorkdirStore::SizeOf(const std::string& sha256) const {
  struct stat st;
  if (!IsSha256Hex(sha256) || stat(PathOf(sha256).c_str(), &st) != 0) {
    return absl::NotFoundError(
        absl::StrCat("no workdir archive ", sha256, " is stored"));
  }
  return static_cast<uint64_t>(st.st_size);
}

absl::StatusOr<std::unique_ptr<WorkdirStore::Upload>>
WorkdirStore::StartUpload() const {
  static std::atomic<uint64_t> next{0};
  const std::string tmp =
      absl::StrCat(dir_, "/", kTmpPrefix, getpid(), "-", next++);
  const int fd =
      open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return Errno(tmp);
  return std::unique_ptr<Upload>(new Upload(this, tmp, fd));
}

WorkdirStore::Upload::~Upload() {
  if (fd_ >= 0) close(fd_);
  if (!tmp_.empty()) unlink(tmp_.c_str());
}

absl::Status WorkdirStore::Upload::Append(std::string_view data) {
  if (size_ + data.size() > kMaxStoredWorkdirBytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("workdir: more than ", kMaxStoredWorkdirBytes,
                     " bytes; the scheduler stores no larger archive"));
  }
  sha_.Update(data);
  size_ += data.size();
  while (!data.empty()) {
    const ssize_t n = write(fd_, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno(tmp_);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

absl::StatusOr<WorkdirStore::Upload::Stored> WorkdirStore::Upload::Commit(
    const std::string& declared_sha256, uint64_t declared_size) {
  Stored stored;
  stored.sha256 = sha_.HexDigest();
  stored.size = size_;
  if (!declared_sha256.empty() && declared_sha256 != stored.sha256) {
    return absl::InvalidArgumentError(
        absl::StrCat("sha256: the client declared ", declared_sha256,
                     " but the bytes received have sha256 ", stored.sha256));
  }
  if (declared_size != 0 && declared_size != size_) {
    return absl::InvalidArgumentError(
        absl::StrCat("total_bytes: the client declared ", declared_size,
                     " but ", size_, " bytes were received"));
  }
  if (size_ == 0) {
    return absl::InvalidArgumentError("workdir: the archive is empty");
  }
  const std::string final_path = store_->PathOf(stored.sha256);
  struct stat st;
  stored.already_stored = stat(final_path.c_str(), &st) == 0;
  if (stored.already_stored) return stored;  // the destructor drops tmp_
  if (fsync(fd_) != 0) return Errno(tmp_);
  close(fd_);
  fd_ = -1;
  if (rename(tmp_.c_str(), final_path.c_str()) != 0) return Errno(final_path);
  tmp_.clear();
  if (absl::Status s = SyncDirectory(store_->dir_); !s.ok()) return s;
  return stored;
}

}  // namespace hetsched::server
