#include "agent/task_dirs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace hetsched::agent {
namespace {

constexpr size_t kMaxTaskIdLength = 128;

}  // namespace

absl::Status ValidateTaskId(std::string_view task_id) {
  if (task_id.empty() || task_id.size() > kMaxTaskIdLength) {
    return absl::InvalidArgumentError(absl::StrCat(
        "task_id: must be 1 to ", kMaxTaskIdLength, " characters"));
  }
  if (task_id.front() == '.') {
    return absl::InvalidArgumentError("task_id: must not start with '.'");
  }
  for (char c : task_id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' &&
        c != '_' && c != '-') {
      return absl::InvalidArgumentError(
          "task_id: may only contain letters, digits, '.', '_' and '-'");
    }
  }
  return absl::OkStatus();
}

std::string TaskDir(const std::string& work_dir, std::string_view task_id) {
  return absl::StrCat(work_dir, "/tasks/", std::string(task_id));
}

absl::StatusOr<std::string> CreateTaskDir(const std::string& work_dir,
                                          std::string_view task_id) {
  if (auto s = ValidateTaskId(task_id); !s.ok()) return s;
  const std::string tasks = work_dir + "/tasks";
  std::error_code ec;
  std::filesystem::create_directories(tasks, ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat(tasks, ": cannot create: ", ec.message()));
  }
  // Task ids are predictable: a task could plant the next one's directory
  // as a symlink to make the agent write (as root) wherever it points.
  // The directory is made here, fresh; whatever already holds the name is
  // refused unless it is a real directory (an agent restart re-creating
  // one it made before).
  std::string dir = TaskDir(work_dir, task_id);
  if (mkdir(dir.c_str(), 0755) != 0) {
    const int made_error = errno;
    struct stat st = {};
    if (made_error != EEXIST || lstat(dir.c_str(), &st) != 0 ||
        !S_ISDIR(st.st_mode)) {
      return absl::InternalError(absl::StrCat(
          dir, ": cannot create task directory: ",
          made_error == EEXIST ? "something that is not a directory (a "
                                 "symlink?) holds its name"
                               : std::strerror(made_error)));
    }
  }
  return dir;
}

absl::StatusOr<std::string> CreateJobDir(const std::string& job_dir_root,
                                         std::string_view job_id) {
  if (auto s = ValidateTaskId(job_id); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "job_id", s.message().substr(std::string_view("task_id").size())));
  }
  std::string dir = absl::StrCat(job_dir_root, "/", std::string(job_id));
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat(dir, ": cannot create job directory: ", ec.message()));
  }
  return dir;
}

std::string StopReasonPath(const std::string& task_dir) {
  return task_dir + "/stop_reason";
}

absl::Status WriteStopReason(const std::string& task_dir,
                             std::string_view reason) {
  const std::string path = StopReasonPath(task_dir);
  const std::string tmp = path + ".tmp";
  {
    // O_NOFOLLOW: a task may write in its directory, but not make the agent
    // write through a link it planted there.
    const int fd =
        open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
             0644);
    if (fd < 0) {
      return absl::InternalError(
          absl::StrCat(tmp, ": cannot write: ", std::strerror(errno)));
    }
    const std::string line = std::string(reason) + "\n";
    const bool written = write(fd, line.data(), line.size()) ==
                         static_cast<ssize_t>(line.size());
    close(fd);
    if (!written)
      return absl::InternalError(absl::StrCat(tmp, ": cannot write"));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat(path, ": cannot write: ", ec.message()));
  }
  return absl::OkStatus();
}

std::string SupervisedRoot(const std::string& work_dir) {
  return work_dir + "/supervised";
}

absl::StatusOr<std::string> CreateSupervisedDir(const std::string& work_dir,
                                                std::string_view task_id) {
  if (auto s = ValidateTaskId(task_id); !s.ok()) return s;
  const std::string root = SupervisedRoot(work_dir);
  std::error_code ec;
  std::filesystem::create_directories(root, ec);
  std::filesystem::permissions(root, std::filesystem::perms::owner_all, ec);
  const std::string dir = root + "/" + std::string(task_id);
  std::filesystem::remove_all(dir, ec);  // a stale record of the same id
  if (mkdir(dir.c_str(), 0700) != 0) {
    return absl::InternalError(
        absl::StrCat(dir, ": cannot create: ", std::strerror(errno)));
  }
  return dir;
}

}  // namespace hetsched::agent
