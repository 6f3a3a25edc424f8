// The processes of the fleet benchmark (bench/fleet_bench.cc): the real
// hetsched-scheduler on SQLite under a scratch directory (or on etcd), with its
// Prometheus endpoint, and hetsched-agent processes running simulated
// hosts, all on loopback. Restartable: a crashed scheduler comes back on
// its data dir and its port, so the agents reconnect as after a real
// restart. Not thread-safe apart from the stubs it hands out.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hetsched/v1/scheduler.grpc.pb.h"
#include "tests/integration/child_process.h"

namespace hetsched::bench {

class FleetCluster {
 public:
  struct Options {
    std::string dir;  // scratch directory: data dir, logs, work dirs
    std::string scheduler_bin;
    std::string agent_bin;
    int heartbeat_ms = 2000;
    double node_lost_timeout_s = 20;
    // Non-empty: the scheduler runs --store etcd on these endpoints.
    std::string etcd_endpoints;
  };
  struct NodeCounts {
    int total = 0;
    int ready = 0;  // READY and connected
    int lost = 0;
  };

  explicit FleetCluster(Options options);
  ~FleetCluster();  // agents first, then the scheduler (SIGTERM)

  // The first start picks a free port; later starts reuse it. On etcd,
  // returns once the replica leads (a restart waits out the old lease).
  absl::Status StartScheduler();
  void CrashScheduler();  // SIGKILL

  // One agent process running `hosts` simulated hosts PREFIX-0...
  absl::Status StartAgent(const std::string& inventory,
                          const std::string& prefix, int hosts);

  absl::StatusOr<NodeCounts> CountNodes();
  // Polls until at least `count` nodes are READY and connected.
  absl::Status WaitReady(int count, absl::Duration timeout);

  // A new channel to the scheduler (each submitter gets its own).
  std::shared_ptr<grpc::Channel> NewChannel() const;
  v1::JobService::Stub& jobs() { return *jobs_; }

  pid_t scheduler_pid() const { return scheduler_->pid(); }
  std::vector<pid_t> agent_pids() const;
  const std::string& metrics_address() const { return metrics_address_; }
  const std::string& address() const { return address_; }

 private:
  absl::Status WaitLeading();

  Options options_;
  int port_ = 0;
  int starts_ = 0;
  std::string address_;
  std::string metrics_address_;
  std::unique_ptr<testing::ChildProcess> scheduler_;
  std::vector<std::unique_ptr<testing::ChildProcess>> agents_;
  std::unique_ptr<v1::JobService::Stub> jobs_;
  std::unique_ptr<v1::NodeService::Stub> nodes_;
};

}  // namespace hetsched::bench
