#include "agent/task_dirs.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
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
  std::string dir = TaskDir(work_dir, task_id);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat(dir, ": cannot create task directory: ", ec.message()));
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
    std::ofstream out(tmp, std::ios::trunc);
    out << reason << "\n";
    out.close();
    if (!out) return absl::InternalError(absl::StrCat(tmp, ": cannot write"));
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
