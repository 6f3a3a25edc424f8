// AgentService.FetchWorkdir: streams a stored workdir archive to an agent,
// one chunk in flight at a time, read from the file as the previous one
// is written (no thread of its own).
#include <fstream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "common/peer_identity.h"
#include "common/sha256.h"
#include "scheduler/server/agent_service.h"
#include "scheduler/server/audit_log.h"

namespace hetsched::server {
namespace {

constexpr size_t kChunkBytes = size_t{1} << 20;

class WorkdirSender final : public grpc::ServerWriteReactor<v1::WorkdirChunk> {
 public:
  // Finishes at once with `refusal` when it is not OK.
  WorkdirSender(const std::string& path, const grpc::Status& refusal) {
    if (!refusal.ok()) {
      Finish(refusal);
      return;
    }
    in_.open(path, std::ios::binary);
    if (!in_) {
      Finish(grpc::Status(grpc::StatusCode::NOT_FOUND,
                          absl::StrCat(path, ": cannot open")));
      return;
    }
    Next();
  }
  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "agent went away"));
      return;
    }
    Next();
  }
  void OnDone() override { delete this; }

 private:
  void Next() {
    std::string buffer(kChunkBytes, '\0');
    in_.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    if (in_.bad()) {
      Finish(grpc::Status(grpc::StatusCode::INTERNAL, "workdir: read error"));
      return;
    }
    buffer.resize(static_cast<size_t>(in_.gcount()));
    if (buffer.empty()) {
      Finish(grpc::Status::OK);
      return;
    }
    chunk_.set_data(std::move(buffer));
    StartWrite(&chunk_);
  }

  std::ifstream in_;
  v1::WorkdirChunk chunk_;
};

}  // namespace

grpc::ServerWriteReactor<v1::WorkdirChunk>* AgentServiceImpl::FetchWorkdir(
    grpc::CallbackServerContext* ctx, const v1::FetchWorkdirRequest* request) {
  const std::string& sha = request->sha256();
  grpc::Status refusal;
  if (access_.enforced() && !NodeNameOf(IdentityOf(*ctx))) {
    const std::string caller = IdentityOf(*ctx).common_name;
    const std::string why = absl::StrCat(
        "FetchWorkdir is only for node certificates; you are '", caller, "'");
    Audit("workdir.fetch", caller, sha, why);
    refusal = grpc::Status(grpc::StatusCode::PERMISSION_DENIED, why);
  } else if (!IsSha256Hex(sha)) {
    refusal = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                           "sha256: must be 64 lowercase hex digits");
  } else if (workdirs_ == nullptr || !workdirs_->SizeOf(sha).ok()) {
    refusal =
        grpc::Status(grpc::StatusCode::NOT_FOUND,
                     absl::StrCat("no workdir archive ", sha, " is stored"));
  }
  return new WorkdirSender(refusal.ok() ? workdirs_->PathOf(sha) : "", refusal);
}

}  // namespace hetsched::server
