#include "scheduler/server/access_policy.h"

#include "absl/strings/str_cat.h"
#include "grpc/grpc_security_constants.h"

namespace hetsched::server {

std::string AccessPolicy::CallerOf(const grpc::ServerContext& ctx) {
  const auto auth = ctx.auth_context();
  if (auth == nullptr) return "";
  const auto names = auth->FindPropertyValues(GRPC_X509_CN_PROPERTY_NAME);
  if (names.empty()) return "";
  return std::string(names.front().data(), names.front().size());
}

grpc::Status AccessPolicy::RequireAdmin(const grpc::ServerContext& ctx,
                                        const std::string& action) const {
  if (!enforce_) return grpc::Status::OK;
  const std::string caller = CallerOf(ctx);
  if (IsAdmin(caller)) return grpc::Status::OK;
  return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                      absl::StrCat("only an admin (--tls-admins) may ", action,
                                   "; you are '", caller, "'"));
}

}  // namespace hetsched::server
