// A plaintext port that serves only gRPC health (grpc.health.v1.Health,
// with server reflection listing just that), bound apart from the API: under
// mutual TLS the kubelet's grpc probes cannot present a client certificate, and
// a health answer tells a caller nothing the API guards. NOT_SERVING until the
// owner says otherwise. Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/server.h"

namespace hetsched {

class HealthPort {
 public:
  // Binds `listen` (HOST:PORT, port 0 picks one); UNAVAILABLE naming
  // `flag` when it cannot.
  static absl::StatusOr<std::unique_ptr<HealthPort>> Start(
      const std::string& listen, const std::string& flag);
  ~HealthPort();

  // What the overall service ("") and every named one report.
  void SetServing(bool serving);
  int port() const { return port_; }

 private:
  HealthPort() = default;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace hetsched
