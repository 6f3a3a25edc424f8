// JobService's workdir methods: UploadWorkdir and HasWorkdir, and the
// check SubmitJob makes that a job's workdir is stored.
#include "absl/strings/str_cat.h"
#include "common/sha256.h"
#include "scheduler/server/grpc_status.h"
#include "scheduler/server/job_service.h"

namespace hetsched::server {
namespace {

grpc::Status NoWorkdirStore() {
  return grpc::Status(
      grpc::StatusCode::FAILED_PRECONDITION,
      "workdir: this scheduler keeps no workdir archives (--store etcd "
      "would hold them on one replica only); submit without --workdir");
}

}  // namespace

grpc::Status JobServiceImpl::CheckWorkdir(const v1::JobSpec& spec) const {
  const std::string& sha = spec.workdir_sha256();
  if (sha.empty()) return grpc::Status::OK;
  if (!IsSha256Hex(sha)) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "workdir_sha256: must be 64 lowercase hex digits");
  }
  if (workdirs_ == nullptr || !workdirs_->SizeOf(sha).ok()) {
    return grpc::Status(
        grpc::StatusCode::INVALID_ARGUMENT,
        absl::StrCat("workdir_sha256: no workdir archive ", sha,
                     " is stored on the scheduler; upload it first "
                     "(UploadWorkdir, or hetsched submit --workdir)"));
  }
  return grpc::Status::OK;
}

grpc::Status JobServiceImpl::UploadWorkdir(
    grpc::ServerContext* /*ctx*/, grpc::ServerReader<v1::WorkdirChunk>* reader,
    v1::WorkdirRef* response) {
  if (workdirs_ == nullptr) return NoWorkdirStore();
  auto upload = workdirs_->StartUpload();
  if (!upload.ok()) return ToGrpcStatus(upload.status());
  v1::WorkdirChunk chunk;
  std::string declared_sha;
  uint64_t declared_size = 0;
  bool first = true;
  while (reader->Read(&chunk)) {
    if (first) {
      declared_sha = chunk.sha256();
      declared_size = chunk.total_bytes();
      first = false;
    }
    if (absl::Status s = (*upload)->Append(chunk.data()); !s.ok()) {
      return ToGrpcStatus(s);
    }
  }
  auto stored = (*upload)->Commit(declared_sha, declared_size);
  if (!stored.ok()) return ToGrpcStatus(stored.status());
  response->set_sha256(stored->sha256);
  response->set_size_bytes(stored->size);
  response->set_already_stored(stored->already_stored);
  return grpc::Status::OK;
}

grpc::Status JobServiceImpl::HasWorkdir(grpc::ServerContext* /*ctx*/,
                                        const v1::HasWorkdirRequest* request,
                                        v1::WorkdirRef* response) {
  if (workdirs_ == nullptr) return NoWorkdirStore();
  if (!IsSha256Hex(request->sha256())) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "sha256: must be 64 lowercase hex digits");
  }
  auto size = workdirs_->SizeOf(request->sha256());
  if (!size.ok()) return ToGrpcStatus(size.status());
  response->set_sha256(request->sha256());
  response->set_size_bytes(*size);
  response->set_already_stored(true);
  return grpc::Status::OK;
}

}  // namespace hetsched::server
