#include "agent/task_dirs.h"

#include <signal.h>

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

// After a reboot the recorded pgid names some unrelated process, so a pgid
// file only counts when it was written during this boot.
std::string BootId() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(in, id);
  return std::string(absl::StripAsciiWhitespace(id));
}

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

absl::Status WritePgidFile(const std::string& task_dir, pid_t pgid) {
  const std::string path = task_dir + "/pgid";
  std::ofstream out(path, std::ios::trunc);
  out << pgid << " " << BootId() << "\n";
  out.close();
  if (!out) {
    return absl::InternalError(absl::StrCat(path, ": cannot write"));
  }
  return absl::OkStatus();
}

void RemovePgidFile(const std::string& task_dir) {
  std::error_code ec;
  std::filesystem::remove(task_dir + "/pgid", ec);
}

std::vector<std::string> KillLeftoverGroups(const std::string& work_dir) {
  std::vector<std::string> log;
  const std::string boot = BootId();
  std::error_code ec;
  std::filesystem::directory_iterator it(work_dir + "/tasks", ec);
  if (ec) return log;  // no tasks directory yet: nothing left over
  for (const auto& entry : it) {
    const std::string pgid_path = entry.path().string() + "/pgid";
    std::ifstream in(pgid_path);
    if (!in) continue;
    long long pgid = 0;  // NOLINT: matches the stream extraction
    std::string file_boot;
    in >> pgid >> file_boot;
    in.close();
    const std::string task = entry.path().filename().string();
    if (pgid > 1 && file_boot == boot) {
      if (kill(-static_cast<pid_t>(pgid), SIGKILL) == 0) {
        log.push_back(absl::StrCat("killed leftover process group ", pgid,
                                   " of task ", task,
                                   " from a previous agent run (the scheduler "
                                   "has marked it LOST)"));
      } else if (errno != ESRCH) {
        log.push_back(absl::StrCat("could not kill leftover process group ",
                                   pgid, " of task ", task, ": ",
                                   std::strerror(errno)));
      }
    }
    std::filesystem::remove(pgid_path, ec);
  }
  return log;
}

}  // namespace hetsched::agent
