#include "agent/job_mapping_files.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "agent/agent_log.h"

namespace hetsched::agent {
namespace {

// Names dcgm-exporter reads: a GPU index ("3") or GPU.MIG ("3.1"). Only
// those are ours to remove.
bool IsMappingFileName(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c)) && c != '.') {
      return false;
    }
  }
  return true;
}

}  // namespace

JobMappingFiles::JobMappingFiles(std::string dir, Source source)
    : dir_(std::move(dir)), source_(std::move(source)) {}

absl::Status JobMappingFiles::Init() {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--dcgm-job-mapping-dir: cannot create ", dir_, ": ", ec.message()));
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    if (IsMappingFileName(name)) std::filesystem::remove(entry.path(), ec);
  }
  return absl::OkStatus();
}

void JobMappingFiles::Sync() {
  std::map<uint32_t, std::set<std::string>> jobs_by_device;
  for (const auto& a : source_()) jobs_by_device[a.device].insert(a.job_id);
  std::map<uint32_t, std::string> wanted;
  for (const auto& [device, jobs] : jobs_by_device) {
    std::string& content = wanted[device];
    for (const auto& job : jobs) absl::StrAppend(&content, job, "\n");
  }
  std::error_code ec;
  for (auto it = written_.begin(); it != written_.end();) {
    if (wanted.count(it->first) > 0) {
      ++it;
      continue;
    }
    std::filesystem::remove(absl::StrCat(dir_, "/", it->first), ec);
    it = ec ? std::next(it) : written_.erase(it);
  }
  for (const auto& [device, content] : wanted) {
    auto known = written_.find(device);
    if (known != written_.end() && known->second == content) continue;
    const std::string path = absl::StrCat(dir_, "/", device);
    const std::string tmp = absl::StrCat(dir_, "/.", device, ".tmp");
    std::ofstream(tmp, std::ios::trunc) << content;
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
      AgentLog(absl::StrCat("--dcgm-job-mapping-dir: cannot write ", path));
      continue;
    }
    written_[device] = content;
  }
}

void JobMappingFiles::Start(absl::Duration interval) {
  thread_.Start(interval, [this] { Sync(); });
}

}  // namespace hetsched::agent
