#include "scheduler/server/access_policy.h"

#include "absl/strings/str_cat.h"
#include "common/peer_identity.h"
#include "scheduler/server/audit_log.h"

namespace hetsched::server {

std::string AccessPolicy::CallerOf(const grpc::ServerContextBase& ctx) {
  return IdentityOf(ctx).common_name;
}

grpc::Status AccessPolicy::RequireAdmin(const grpc::ServerContext& ctx,
                                        const std::string& action) const {
  if (!enforce_) return grpc::Status::OK;
  const std::string caller = CallerOf(ctx);
  if (IsAdmin(caller)) return grpc::Status::OK;
  const std::string why = absl::StrCat("only an admin (--tls-admins) may ",
                                       action, "; you are '", caller, "'");
  Audit(action, caller, "", why);
  return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, why);
}

grpc::Status AccessPolicy::RequireReader(const grpc::ServerContextBase& ctx,
                                         const std::string& job_id,
                                         const std::string& owner,
                                         const std::string& action) const {
  if (!enforce_) return grpc::Status::OK;
  const std::string caller = CallerOf(ctx);
  if (CanRead(caller, owner)) return grpc::Status::OK;
  const std::string why =
      absl::StrCat("job ", job_id, " belongs to '", owner,
                   "'; only its owner, an admin "
                   "(--tls-admins) or a reader (--tls-readers) may ",
                   action, "; you are '", caller, "'");
  Audit(action, caller, job_id, why);
  return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, why);
}

}  // namespace hetsched::server
