#include "cli/workdir_upload.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "common/sha256.h"

namespace hetsched::cli {
namespace {

constexpr size_t kChunkBytes = size_t{1} << 20;

}  // namespace

absl::StatusOr<std::string> UploadWorkdir(const CommandContext& ctx,
                                          const SubmitWorkdir& workdir) {
  auto packed = PackWorkdir(workdir.dir, workdir.max_bytes);
  if (!packed.ok()) {
    std::string why(packed.status().message());
    if (packed.status().code() == absl::StatusCode::kResourceExhausted) {
      why += " (--workdir-max-bytes)";
    }
    return absl::InvalidArgumentError(absl::StrCat("--workdir ", why));
  }
  const std::string sha = Sha256Hex(*packed);
  v1::HasWorkdirRequest has;
  has.set_sha256(sha);
  v1::WorkdirRef ref;
  grpc::ClientContext probe;
  SetDeadline(probe, ctx);
  grpc::Status s = ctx.jobs->HasWorkdir(&probe, has, &ref);
  if (s.ok()) return sha;  // stored before: nothing to send
  if (s.error_code() != grpc::StatusCode::NOT_FOUND) return RpcError(ctx, s);

  grpc::ClientContext rpc;
  // A large archive over a slow link takes longer than a unary call.
  rpc.set_deadline(std::chrono::system_clock::now() +
                   std::chrono::seconds(ctx.timeout_s) +
                   std::chrono::seconds(packed->size() >> 18));
  auto writer = ctx.jobs->UploadWorkdir(&rpc, &ref);
  for (size_t offset = 0; offset < packed->size(); offset += kChunkBytes) {
    v1::WorkdirChunk chunk;
    if (offset == 0) {
      chunk.set_sha256(sha);
      chunk.set_total_bytes(packed->size());
    }
    chunk.set_data(
        packed->substr(offset, std::min(kChunkBytes, packed->size() - offset)));
    if (!writer->Write(chunk)) break;  // Finish says why
  }
  writer->WritesDone();
  s = writer->Finish();
  if (!s.ok()) return RpcError(ctx, s);
  return sha;
}

}  // namespace hetsched::cli
