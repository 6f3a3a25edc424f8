// The scheduler process assembled: store, control plane, gRPC services
// (with health and reflection) and the scheduling loop thread. main()
// parses flags and runs one; service tests run one in-process on port 0.
#pragma once

#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/tls.h"
#include "grpcpp/grpcpp.h"
#include "prometheus/exposer.h"
#include "scheduler/control/control_plane.h"
#include "scheduler/server/metrics.h"
#include "scheduler/server/work_pool.h"
#include "scheduler/server/workdir_store.h"
#include "scheduler/store/state_store.h"

namespace hetsched::server {

struct DaemonOptions {
  std::string listen = "127.0.0.1:7070";
  std::string data_dir = ".data/scheduler";
  // Prometheus /metrics address HOST:PORT (port 0 picks one); empty: off.
  std::string metrics_listen;
  control::ControlPlaneOptions control;
  // How often the loop runs even when nothing woke it (liveness checks).
  absl::Duration tick_interval = absl::Milliseconds(500);
  // Mutual TLS for the API and for reading agents' logs (common/tls.h);
  // plaintext when unset.
  TlsCredentials tls;
  // Certificate common names that may act on any job and change nodes;
  // only checked with TLS (access_policy.h).
  std::set<std::string> admins;
  // Names that may read any job's details and logs.
  std::set<std::string> readers;
};

class SchedulerDaemon {
 public:
  // Opens the store (SQLite under options.data_dir unless `store` is
  // given: the etcd store of an elected replica), recovers state, binds the
  // port and starts the loop.
  // `metrics_exposer`: a /metrics endpoint already serving (a follower's,
  // handed over), used instead of binding options.metrics_listen.
  static absl::StatusOr<std::unique_ptr<SchedulerDaemon>> Start(
      const DaemonOptions& options,
      std::unique_ptr<store::StateStore> store = nullptr,
      std::unique_ptr<prometheus::Exposer> metrics_exposer = nullptr);
  ~SchedulerDaemon();

  int port() const { return port_; }
  // The /metrics port; 0 when metrics_listen was empty.
  int metrics_port() const { return metrics_port_; }
  SchedulerMetrics* metrics() { return metrics_.get(); }
  control::ControlPlane* control() { return control_.get(); }
  // Whether the scheduling loop began a pass within `within`: what the
  // systemd watchdog asks before each ping.
  bool LoopAliveWithin(absl::Duration within) const {
    return absl::Now() - absl::FromUnixMillis(loop_tick_ms_.load()) <= within;
  }
  void Shutdown();
  void Wait() { server_->Wait(); }

 private:
  SchedulerDaemon() = default;
  void Loop();
  // After a failed store write: memory is ahead of the store, and only a
  // restart (which recovers from the store) realigns them.
  [[noreturn]] void ExitAfterAnsweringCalls();
  // Serves the metrics on `exposer`, or on a new one bound to `address`.
  absl::Status StartExposer(const std::string& address,
                            std::unique_ptr<prometheus::Exposer> exposer);

  // Declared first: the store, the server's interceptors and the loop use
  // it until they are gone.
  std::unique_ptr<SchedulerMetrics> metrics_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::unique_ptr<store::StateStore> store_;
  std::unique_ptr<control::ControlPlane> control_;
  // Null with an etcd store (no workdirs kept); outlives the services.
  std::unique_ptr<WorkdirStore> workdirs_;
  // Handles agents' messages; outlives the server (destroyed after it).
  std::unique_ptr<WorkPool> agent_work_;
  std::vector<std::unique_ptr<grpc::Service>> services_;
  std::unique_ptr<grpc::Server> server_;
  std::atomic<int64_t> loop_tick_ms_{0};
  std::thread loop_;
  std::atomic<bool> stopping_{false};
  absl::Duration tick_interval_;
  int port_ = 0;
  int metrics_port_ = 0;
};

}  // namespace hetsched::server
