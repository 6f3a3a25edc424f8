#include "agent/workdir_cache.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "agent/agent_log.h"
#include "common/sha256.h"
#include "hetsched/v1/agent.grpc.pb.h"

namespace hetsched::agent {

absl::StatusOr<std::string> WorkdirCache::Get(const std::string& sha256) {
  if (!IsSha256Hex(sha256)) {
    return absl::InvalidArgumentError(
        absl::StrCat("workdir_sha256: '", sha256, "' is not a sha256"));
  }
  const std::string path = absl::StrCat(dir_, "/", sha256, ".tar.gz");
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) return path;
    if (in_flight_.insert(sha256).second) break;  // ours to fetch
    fetched_.wait(lock);
  }
  lock.unlock();
  auto fetched = FetchAndVerify(sha256);
  lock.lock();
  in_flight_.erase(sha256);
  if (fetched.ok()) ++fetches_;
  fetched_.notify_all();
  return fetched;
}

absl::StatusOr<std::string> WorkdirCache::FetchAndVerify(
    const std::string& sha256) {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return absl::UnavailableError(absl::StrCat(dir_, ": ", ec.message()));
  static std::atomic<uint64_t> next{0};
  const std::string tmp = absl::StrCat(dir_, "/.fetch-", getpid(), "-", next++);
  const std::string path = absl::StrCat(dir_, "/", sha256, ".tar.gz");
  absl::Status s = fetch_(sha256, tmp);
  if (s.ok()) {
    auto got = Sha256HexOfFile(tmp);
    if (!got.ok()) {
      s = got.status();
    } else if (*got != sha256) {
      s = absl::DataLossError(absl::StrCat(
          "workdir ", sha256, ": the archive fetched has sha256 ", *got));
    }
  }
  if (s.ok() && std::rename(tmp.c_str(), path.c_str()) != 0) {
    s = absl::UnavailableError(
        absl::StrCat(path, ": cannot rename into place"));
  }
  if (!s.ok()) {
    std::filesystem::remove(tmp, ec);
    return absl::Status(
        s.code(), absl::StrCat("fetching workdir ", sha256, ": ", s.message()));
  }
  AgentLog(absl::StrCat("workdir ", sha256, ": fetched ",
                        std::filesystem::file_size(path, ec), " bytes"));
  return path;
}

int64_t WorkdirCache::fetches() const {
  std::lock_guard<std::mutex> lock(mu_);
  return fetches_;
}

WorkdirCache::Fetcher FetchOverGrpc(std::shared_ptr<grpc::Channel> channel,
                                    absl::Duration timeout) {
  auto stub = std::shared_ptr<v1::AgentService::Stub>(
      v1::AgentService::NewStub(std::move(channel)));
  return [stub, timeout](const std::string& sha256,
                         const std::string& path) -> absl::Status {
    grpc::ClientContext rpc;
    rpc.set_deadline(std::chrono::system_clock::now() +
                     absl::ToChronoNanoseconds(timeout));
    v1::FetchWorkdirRequest request;
    request.set_sha256(sha256);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out)
      return absl::UnavailableError(absl::StrCat(path, ": cannot write"));
    auto reader = stub->FetchWorkdir(&rpc, request);
    v1::WorkdirChunk chunk;
    while (reader->Read(&chunk)) {
      out.write(chunk.data().data(),
                static_cast<std::streamsize>(chunk.data().size()));
    }
    grpc::Status s = reader->Finish();
    if (!s.ok()) {
      return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                          absl::StrCat("scheduler: ", s.error_message()));
    }
    out.close();
    if (!out)
      return absl::UnavailableError(absl::StrCat(path, ": write error"));
    return absl::OkStatus();
  };
}

}  // namespace hetsched::agent
