#include "common/health_port.h"

#include "absl/strings/str_cat.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/impl/server_builder_option.h"
#include "grpcpp/server_builder.h"

namespace hetsched {
namespace {

// Server reflection on this server alone. gRPC builds a server only if it
// has a method to poll for; the default health service is added after that
// check, so a server of health alone needs one service of its own, and
// reflection (which lists just health and itself here) is the harmless one.
class ReflectionOnThisServer final : public grpc::ServerBuilderOption {
 public:
  void UpdateArguments(grpc::ChannelArguments* /*args*/) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>*
                         plugins) override {
    plugins->push_back(
        std::make_unique<grpc::reflection::ProtoServerReflectionPlugin>());
  }
};

}  // namespace

absl::StatusOr<std::unique_ptr<HealthPort>> HealthPort::Start(
    const std::string& listen, const std::string& flag) {
  grpc::EnableDefaultHealthCheckService(true);
  std::unique_ptr<HealthPort> health(new HealthPort());
  grpc::ServerBuilder builder;
  // Like the API port: a port in use is an error, never shared.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetOption(std::make_unique<ReflectionOnThisServer>());
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
