#include "scheduler/server/follower_server.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/health_check_service_interface.h"
#include "prometheus/counter.h"
#include "prometheus/exposer.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace hetsched::server {

// Answers every method no service of this server registers (all of
// hetsched's) with UNAVAILABLE naming the leader.
class FollowerServer::Refuser : public grpc::CallbackGenericService {
 public:
  void SetLeader(const std::string& address, const std::string& why_none) {
    absl::MutexLock lock(&mu_);
    leader_ = address;
    why_none_ = why_none;
  }

  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override {
    std::string leader, why_none;
    {
      absl::MutexLock lock(&mu_);
      leader = leader_;
      why_none = why_none_;
    }
    if (!leader.empty()) context->AddTrailingMetadata(kLeaderMetadata, leader);
    class Reactor : public grpc::ServerGenericBidiReactor {
     public:
      explicit Reactor(const grpc::Status& status) { Finish(status); }
      void OnDone() override { delete this; }
    };
    return new Reactor(grpc::Status(
        grpc::StatusCode::UNAVAILABLE,
        leader.empty()
            ? absl::StrCat("this scheduler replica does not lead and no "
                           "leader is elected",
                           why_none.empty() ? " yet; retry shortly"
                                            : absl::StrCat(": ", why_none))
            : absl::StrCat("this scheduler replica does not lead; the leader "
                           "is ",
                           leader)));
  }

 private:
  absl::Mutex mu_;
  std::string leader_ ABSL_GUARDED_BY(mu_);
  std::string why_none_ ABSL_GUARDED_BY(mu_);
};

FollowerServer::FollowerServer() : refuser_(std::make_unique<Refuser>()) {}

FollowerServer::~FollowerServer() { Shutdown(); }

absl::StatusOr<std::unique_ptr<FollowerServer>> FollowerServer::Start(
    const std::string& listen,
    std::shared_ptr<grpc::ServerCredentials> credentials,
    const std::string& metrics_listen) {
  std::unique_ptr<FollowerServer> f(new FollowerServer());
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(listen, std::move(credentials), &f->port_);
  builder.RegisterCallbackGenericService(f->refuser_.get());
  f->server_ = builder.BuildAndStart();
  if (f->server_ == nullptr || f->port_ == 0) {
    return absl::UnavailableError(absl::StrCat(
        "--listen ", listen,
        ": cannot bind (in use by another process, or not an address here)"));
  }
  f->server_->GetHealthCheckService()->SetServingStatus(false);

  if (!metrics_listen.empty()) {
    f->registry_ = std::make_shared<prometheus::Registry>();
    prometheus::BuildGauge()
        .Name("hetsched_leader")
        .Help("1 on the scheduler replica that leads, 0 on the others")
        .Register(*f->registry_)
        .Add({})
        .Set(0);
    f->leader_changes_ =
        &prometheus::BuildCounter()
             .Name("hetsched_leader_changes_total")
             .Help(
                 "Changes of the leading scheduler replica this replica "
                 "has seen")
             .Register(*f->registry_)
             .Add({});
    try {
      // Two threads, as the leader's: it takes this one over.
      f->exposer_ = std::make_unique<prometheus::Exposer>(metrics_listen, 2);
    } catch (const std::exception& e) {
      return absl::UnavailableError(absl::StrCat(
          "--metrics-listen ", metrics_listen, ": cannot bind: ", e.what()));
    }
    f->exposer_->RegisterCollectable(f->registry_);
    const std::vector<int> ports = f->exposer_->GetListeningPorts();
    f->metrics_port_ = ports.empty() ? 0 : ports[0];
  }
  return f;
}

void FollowerServer::SetLeader(const std::string& address, bool changed,
                               const std::string& why_none) {
  refuser_->SetLeader(address, why_none);
  if (leader_changes_ != nullptr && changed) leader_changes_->Increment();
}

std::unique_ptr<prometheus::Exposer> FollowerServer::HandOverMetrics() {
  if (exposer_ != nullptr) exposer_->RemoveCollectable(registry_);
  return std::move(exposer_);
}

void FollowerServer::Shutdown() {
  if (server_ != nullptr) {
    server_->Shutdown(std::chrono::system_clock::now());
    server_->Wait();
    server_.reset();
  }
  exposer_.reset();
}

}  // namespace hetsched::server
