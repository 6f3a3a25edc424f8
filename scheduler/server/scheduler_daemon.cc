#include "scheduler/server/scheduler_daemon.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "prometheus/exposer.h"
#include "scheduler/control/background_allocation_solver.h"
#include "scheduler/control/cluster_snapshot.h"
#include "scheduler/server/agent_service.h"
#include "scheduler/server/job_service.h"
#include "scheduler/server/metrics_interceptor.h"
#include "scheduler/server/metrics_store.h"
#include "scheduler/server/node_service.h"

namespace hetsched::server {
namespace {

// Threads that handle agents' messages, whatever the fleet's size. Each
// waits for its report's commit, and one group commit serves them all, so
// reports flow at about this many per fsync.
constexpr int kAgentWorkThreads = 32;

}  // namespace

absl::StatusOr<std::unique_ptr<SchedulerDaemon>> SchedulerDaemon::Start(
    const DaemonOptions& options, std::unique_ptr<store::StateStore> store,
    std::unique_ptr<prometheus::Exposer> metrics_exposer) {
  std::unique_ptr<SchedulerDaemon> d(new SchedulerDaemon());
  d->tick_interval_ = options.tick_interval;
  d->metrics_ = std::make_unique<SchedulerMetrics>(options.control.catalogue);
  const std::string store_name =
      store ? std::string("--store etcd")
            : absl::StrCat("--data-dir ", options.data_dir);
  const auto in_data_dir = [&](const absl::Status& s) {
    return absl::Status(s.code(), absl::StrCat(store_name, ": ", s.message()));
  };
  if (store == nullptr) {
    auto sqlite = store::StateStore::OpenSqlite(options.data_dir);
    if (!sqlite.ok()) return in_data_dir(sqlite.status());
    store = std::move(*sqlite);
    // Workdir archives live beside the SQLite state; an etcd store has no
    // directory every replica shares, so it keeps none.
    auto workdirs = WorkdirStore::Open(options.data_dir + "/workdirs");
    if (!workdirs.ok()) return in_data_dir(workdirs.status());
    d->workdirs_ = std::move(*workdirs);
  }
  d->store_ =
      std::make_unique<TimedStateStore>(std::move(store), d->metrics_.get());
  control::ControlPlaneOptions control = options.control;
  if (control.scheduling.allocation_solver == nullptr) {
    // Allocation LPs (the optimizing policies) never hold up a pass.
    control.scheduling.allocation_solver =
        std::make_shared<control::BackgroundAllocationSolver>();
  }
  ASSIGN_OR_RETURN(d->control_,
                   control::ControlPlane::Create(
                       std::move(control), d->store_.get(), Clock::Real()));
  if (absl::Status s = d->control_->Recover(); !s.ok()) return in_data_dir(s);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // A second scheduler on a used port must fail, not split the clients
  // between two stores.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(options.listen,
                           options.tls.server
                               ? options.tls.server
                               : grpc::InsecureServerCredentials(),
                           &d->port_);
  const AccessPolicy access(options.tls.mutual_tls, options.admins,
                            options.readers);
  d->services_.push_back(std::make_unique<JobServiceImpl>(
      d->control_.get(),
      options.tls.channel ? options.tls.channel
                          : grpc::InsecureChannelCredentials(),
      access, d->workdirs_.get()));
  d->services_.push_back(
      std::make_unique<NodeServiceImpl>(d->control_.get(), access));
  d->agent_work_ = std::make_unique<WorkPool>(kAgentWorkThreads);
  d->services_.push_back(std::make_unique<AgentServiceImpl>(
      d->control_.get(), d->agent_work_.get(), access, d->workdirs_.get()));
  for (auto& s : d->services_) builder.RegisterService(s.get());
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(
      std::make_unique<MetricsInterceptorFactory>(d->metrics_.get()));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  d->server_ = builder.BuildAndStart();
  if (d->server_ == nullptr || d->port_ == 0) {
    return absl::UnavailableError(absl::StrCat(
        "--listen ", options.listen,
        ": cannot bind (in use by another process, or not an address here)"));
  }
  d->control_->RenewLeases();
  if (!options.metrics_listen.empty() || metrics_exposer != nullptr) {
    RETURN_IF_ERROR(
        d->StartExposer(options.metrics_listen, std::move(metrics_exposer)));
  }
  d->metrics_->Update(d->control_->Snapshot());
  d->loop_ = std::thread([raw = d.get()] { raw->Loop(); });
  return d;
}

absl::Status SchedulerDaemon::StartExposer(
    const std::string& address, std::unique_ptr<prometheus::Exposer> exposer) {
  exposer_ = std::move(exposer);
  // civetweb throws when it cannot bind; nothing else here does.
  try {
    if (exposer_ == nullptr) {
      exposer_ = std::make_unique<prometheus::Exposer>(address, 2);
    }
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("--metrics-listen ", address,
                                               ": cannot bind: ", e.what()));
  }
  for (const auto& c : metrics_->collectables()) {
    exposer_->RegisterCollectable(c);
  }
  std::vector<int> ports = exposer_->GetListeningPorts();
  if (ports.empty() || ports[0] == 0) {
    return absl::UnavailableError(
        absl::StrCat("--metrics-listen ", address, ": cannot bind"));
  }
  metrics_port_ = ports[0];
  return absl::OkStatus();
}

SchedulerDaemon::~SchedulerDaemon() { Shutdown(); }

void SchedulerDaemon::Shutdown() {
  if (stopping_.exchange(true)) return;
  // Streams (agents, watchers, log followers) end at the deadline.
  if (server_ != nullptr) {  // null when Start failed before serving
    server_->Shutdown(std::chrono::system_clock::now() +
                      std::chrono::seconds(2));
  }
  if (loop_.joinable()) loop_.join();
  exposer_.reset();
}

void SchedulerDaemon::ExitAfterAnsweringCalls() {
  // Calls waiting for the failed write get its error (say, "store: etcd
  // ...: no leader") rather than a dropped connection; whatever has not
  // finished within a second is cut off, and nothing holds the exit up.
  std::thread([] {
    std::this_thread::sleep_for(std::chrono::seconds(3));
    std::_Exit(1);
  }).detach();
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  std::_Exit(1);
}

void SchedulerDaemon::Loop() {
  constexpr absl::Duration kStateUpdateInterval = absl::Milliseconds(500);
  absl::Time last_state_update = absl::InfinitePast();
  while (!stopping_.load()) {
    const absl::Time start = absl::Now();
    loop_tick_ms_.store(absl::ToUnixMillis(start));
    control_->Tick();
    if (absl::Status store = control_->store_status(); !store.ok()) {
      // Memory is now ahead of the store; only a restart, which recovers
      // from the store, realigns them. Nothing unwritten was acknowledged.
      log::Error(absl::StrCat("store write failed: ", store.message(),
                              "; exiting so that a restart recovers from "
                              "the store"));
      ExitAfterAnsweringCalls();
    }
    metrics_->ObservePass(absl::Now() - start);
    metrics_->Record(control_->TakeJobTransitions());
    // State gauges follow the fleet, not every pass: at most twice a second.
    if (absl::Now() - last_state_update >= kStateUpdateInterval) {
      metrics_->Update(control_->Snapshot());
      last_state_update = absl::Now();
    }
    control_->WaitForWork(tick_interval_);
  }
}

}  // namespace hetsched::server
