#include "agent/supervisor_state.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace hetsched::agent {
namespace {

absl::Status WriteWhole(const std::string& dir, const std::string& name,
                        const std::string& text) {
  const std::string path = dir + "/" + name;
  const std::string tmp = dir + "/." + name + ".tmp";
  const int fd = open(
      tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    return absl::InternalError(absl::StrCat(tmp, ": ", std::strerror(errno)));
  }
  const bool written =
      write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const bool synced = fsync(fd) == 0;
  close(fd);
  if (!written || !synced || rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::InternalError(absl::StrCat(path, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

// KEY=VALUE lines of dir/name as integers.
absl::StatusOr<std::map<std::string, int64_t>> ReadFields(
    const std::string& dir, const std::string& name) {
  const std::string path = dir + "/" + name;
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": not there"));
  std::map<std::string, int64_t> fields;
  std::string line;
  while (std::getline(in, line)) {
    std::pair<std::string, std::string> kv = absl::StrSplit(line, '=');
    int64_t v = 0;
    if (!absl::SimpleAtoi(kv.second, &v)) {
      return absl::DataLossError(absl::StrCat(path, ": bad line '", line, "'"));
    }
    fields[kv.first] = v;
  }
  return fields;
}

}  // namespace

absl::Status WriteSupervisorRecord(const std::string& dir,
                                   const SupervisorRecord& r) {
  return WriteWhole(
      dir, "supervisor",
      absl::StrCat("pid=", r.pid, "\nstart_ticks=", r.start_ticks, "\npgid=",
                   r.pgid, "\nstarted_unix_ms=", r.started_unix_ms, "\n"));
}

absl::StatusOr<SupervisorRecord> ReadSupervisorRecord(const std::string& dir) {
  auto fields = ReadFields(dir, "supervisor");
  if (!fields.ok()) return fields.status();
  SupervisorRecord r;
  r.pid = static_cast<pid_t>((*fields)["pid"]);
  r.start_ticks = static_cast<uint64_t>((*fields)["start_ticks"]);
  r.pgid = static_cast<pid_t>((*fields)["pgid"]);
  r.started_unix_ms = (*fields)["started_unix_ms"];
  if (r.pid <= 0 || r.pgid <= 0) {
    return absl::DataLossError(absl::StrCat(dir, "/supervisor: no pid"));
  }
  return r;
}

absl::Status WriteExitRecord(const std::string& dir, const ExitInfo& exit) {
  return WriteWhole(dir, "exit",
                    absl::StrCat("exit_code=", exit.exit_code,
                                 "\nsignal=", exit.signal, "\n"));
}

absl::StatusOr<ExitInfo> ReadExitRecord(const std::string& dir) {
  auto fields = ReadFields(dir, "exit");
  if (!fields.ok()) return fields.status();
  ExitInfo e;
  e.exit_code = static_cast<int>((*fields)["exit_code"]);
  e.signal = static_cast<int>((*fields)["signal"]);
  return e;
}

uint64_t ProcessStartTicks(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string stat;
  if (!std::getline(in, stat)) return 0;
  // The command name may hold spaces and ')': fields restart after the
  // last ')'. starttime is field 22; field 3 (state) follows the ')'.
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 22 && rest >> field; ++i) {
    if (i == 3 && field == "Z") return 0;  // a zombie has ended
    if (i == 22) {
      uint64_t ticks = 0;
      return absl::SimpleAtoi(field, &ticks) ? ticks : 0;
    }
  }
  return 0;
}

bool SupervisorAlive(const SupervisorRecord& record) {
  return record.pid > 0 && ProcessStartTicks(record.pid) == record.start_ticks;
}

}  // namespace hetsched::agent
