#include "common/health_port.h"

#include "absl/strings/str_cat.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/server_builder.h"

namespace hetsched {

absl::StatusOr<std::unique_ptr<HealthPort>> HealthPort::Start(
    const std::string& listen, const std::string& flag) {
  grpc::EnableDefaultHealthCheckService(true);
  std::unique_ptr<HealthPort> health(new HealthPort());
  grpc::ServerBuilder builder;
  // Like the API port: a port in use is an error, never shared.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(),
                           &health->port_);
  health->server_ = builder.BuildAndStart();
  if (health->server_ == nullptr || health->port_ == 0) {
    return absl::UnavailableError(absl::StrCat(
        flag, " ", listen,
        ": cannot bind (in use by another process, or not an address here)"));
  }
  health->SetServing(false);
  return health;
}

HealthPort::~HealthPort() {
  if (server_ != nullptr) server_->Shutdown();
}

void HealthPort::SetServing(bool serving) {
  server_->GetHealthCheckService()->SetServingStatus(serving);
}

}  // namespace hetsched
