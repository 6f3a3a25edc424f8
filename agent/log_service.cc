#include "agent/log_service.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "agent/task_dirs.h"
#include "common/peer_identity.h"

namespace hetsched::agent {
namespace {

constexpr size_t kChunkBytes = 64 * 1024;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void Reset(int fd) {
    if (fd_ >= 0) close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

}  // namespace

grpc::Status LogService::ReadTaskLog(grpc::ServerContext* context,
                                     const v1::ReadTaskLogRequest* request,
                                     grpc::ServerWriter<v1::LogChunk>* writer) {
  if (enforce_readers_) {
    const std::string caller = IdentityOf(*context).common_name;
    if (caller != kSchedulerCommonName && admins_.count(caller) == 0) {
      return grpc::Status(
          grpc::StatusCode::PERMISSION_DENIED,
          absl::StrCat("task logs are read through the scheduler (",
                       kSchedulerCommonName, ") or by an admin; you are '",
                       caller, "'"));
    }
  }
  const std::string& id = request->task_id();
  if (auto s = ValidateTaskId(id); !s.ok()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        std::string(s.message()));
  }
  const std::string stream =
      request->stream().empty() ? "stdout" : request->stream();
  if (stream != "stdout" && stream != "stderr") {
    return grpc::Status(
        grpc::StatusCode::INVALID_ARGUMENT,
        absl::StrCat("stream: must be stdout or stderr, got '", stream, "'"));
  }
  const std::string dir = TaskDir(work_dir_, id);
  struct stat st;
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return grpc::Status(
        grpc::StatusCode::NOT_FOUND,
        absl::StrCat("task_id: ", id, " has no logs on this agent"));
  }
  const std::string path = absl::StrCat(dir, "/", stream);
  // A task whose process has not started yet has no file; that reads as
  // empty, and a follower waits for it to appear.
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0 && errno != ENOENT) {
    return grpc::Status(grpc::StatusCode::INTERNAL,
                        absl::StrCat(path, ": ", std::strerror(errno)));
  }
  uint64_t offset = request->offset();
  if (!request->follow() && fd.get() >= 0 && fstat(fd.get(), &st) == 0 &&
      offset > static_cast<uint64_t>(st.st_size)) {
    return grpc::Status(grpc::StatusCode::OUT_OF_RANGE,
                        absl::StrCat("offset: ", offset, " is past the end (",
                                     st.st_size, " bytes)"));
  }
  std::string buffer(kChunkBytes, '\0');
  bool final_pass = false;
  while (true) {
    if (context->IsCancelled()) {
      return grpc::Status(grpc::StatusCode::CANCELLED, "client went away");
    }
    if (fd.get() < 0) fd.Reset(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    ssize_t got = 0;
    if (fd.get() >= 0) {
      got = pread(fd.get(), buffer.data(), buffer.size(),
                  static_cast<off_t>(offset));
      if (got < 0) {
        if (errno == EINTR) continue;
        return grpc::Status(grpc::StatusCode::INTERNAL,
                            absl::StrCat(path, ": ", std::strerror(errno)));
      }
    }
    if (got > 0) {
      v1::LogChunk chunk;
      chunk.set_data(buffer.data(), static_cast<size_t>(got));
      chunk.set_offset(offset);
      offset += static_cast<uint64_t>(got);
      if (!writer->Write(chunk)) {
        return grpc::Status(grpc::StatusCode::CANCELLED, "client went away");
      }
      continue;
    }
    if (!request->follow()) break;
    if (!tasks_->Active(id)) {
      // Output written just before the end may have landed after the read
      // above: read once more before calling it the end.
      if (final_pass) break;
      final_pass = true;
      continue;
    }
    tasks_->WaitUntilInactive(id, poll_);
  }
  v1::LogChunk end;
  end.set_offset(offset);
  end.set_eof(true);
  writer->Write(end);
  return grpc::Status::OK;
}

}  // namespace hetsched::agent
