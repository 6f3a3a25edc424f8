#include "scheduler/server/scheduler_daemon.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "scheduler/server/agent_service.h"
#include "scheduler/server/job_service.h"
#include "scheduler/server/node_service.h"

namespace hetsched::server {

absl::StatusOr<std::unique_ptr<SchedulerDaemon>> SchedulerDaemon::Start(
    const DaemonOptions& options) {
  std::unique_ptr<SchedulerDaemon> d(new SchedulerDaemon());
  d->tick_interval_ = options.tick_interval;
  ASSIGN_OR_RETURN(d->store_, store::StateStore::OpenSqlite(options.data_dir));
  ASSIGN_OR_RETURN(d->control_,
                   control::ControlPlane::Create(
                       options.control, d->store_.get(), Clock::Real()));
  RETURN_IF_ERROR(d->control_->Recover());

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, grpc::InsecureServerCredentials(),
                           &d->port_);
  d->services_.push_back(std::make_unique<JobServiceImpl>(d->control_.get()));
  d->services_.push_back(std::make_unique<NodeServiceImpl>(d->control_.get()));
  d->services_.push_back(std::make_unique<AgentServiceImpl>(d->control_.get()));
  for (auto& s : d->services_) builder.RegisterService(s.get());
  d->server_ = builder.BuildAndStart();
  if (d->server_ == nullptr || d->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("--listen ", options.listen, ": cannot bind"));
  }
  d->loop_ = std::thread([raw = d.get()] { raw->Loop(); });
  return d;
}

SchedulerDaemon::~SchedulerDaemon() { Shutdown(); }

void SchedulerDaemon::Shutdown() {
  if (stopping_.exchange(true)) return;
  // Streams (agents, watchers, log followers) end at the deadline.
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  if (loop_.joinable()) loop_.join();
}

void SchedulerDaemon::Loop() {
  while (!stopping_.load()) {
    control_->Tick();
    control_->WaitForWork(tick_interval_);
  }
}

}  // namespace hetsched::server
