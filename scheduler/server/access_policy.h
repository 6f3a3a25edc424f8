// Who may do what, once the scheduler runs with mutual TLS: a caller is the
// common name (CN) of its client certificate. A user's jobs are owned by
// that name; only the owner or an admin (--tls-admins) may cancel a job, and
// only admins may drain, undrain, calibrate or test nodes. A job's details
// (describe, watch, logs) are for its owner, admins and readers
// (--tls-readers); others see it listed with its environment values
// hidden. Without TLS there is no identity and nothing is checked.
// Immutable; thread-safe.
#pragma once

#include <set>
#include <string>

#include "grpcpp/server_context.h"
#include "grpcpp/support/status.h"

namespace hetsched::server {

class AccessPolicy {
 public:
  AccessPolicy() = default;  // no TLS: everything allowed
  AccessPolicy(bool enforce, std::set<std::string> admins,
               std::set<std::string> readers = {})
      : enforce_(enforce),
        admins_(std::move(admins)),
        readers_(std::move(readers)) {}

  bool enforced() const { return enforce_; }
  // The caller's certificate CN; "" without TLS.
  static std::string CallerOf(const grpc::ServerContextBase& ctx);
  bool IsAdmin(const std::string& caller) const {
    return admins_.count(caller) > 0;
  }
  // OK, or PERMISSION_DENIED naming the caller and `action` ("drain
  // nodes") when an admin is needed.
  grpc::Status RequireAdmin(const grpc::ServerContext& ctx,
                            const std::string& action) const;
  // May `caller` read the details of a job `owner` owns?
  bool CanRead(const std::string& caller, const std::string& owner) const {
    return !enforce_ || caller == owner || IsAdmin(caller) ||
           readers_.count(caller) > 0;
  }
  // OK, or PERMISSION_DENIED naming the job, its owner and the caller.
  grpc::Status RequireReader(const grpc::ServerContextBase& ctx,
                             const std::string& job_id,
                             const std::string& owner,
                             const std::string& action) const;

 private:
  bool enforce_ = false;
  std::set<std::string> admins_;
  std::set<std::string> readers_;
};

}  // namespace hetsched::server
