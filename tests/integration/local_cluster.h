// A real hetsched on loopback for integration tests: the scheduler and
// agents as separate processes (ports picked at run time), simulated hosts
// through inventory files, and clients for the API and the CLI binary.
// Not thread-safe; one per test.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/security/credentials.h"
#include "hetsched/v1/scheduler.grpc.pb.h"
#include "tests/integration/child_process.h"

namespace hetsched::testing {

struct HostSpec {
  std::string name;
  std::string kind;
  int count = 8;
  std::string ultraserver;
  std::vector<std::string> agent_flags;       // appended to the agent's command
  std::map<std::string, std::string> labels;  // the inventory's own labels
  int cpus = 0;          // the inventory's `cpus:`; 0: this machine's count
  double memory_gb = 0;  // the inventory's `memory_gb:`; 0: this machine's
};

// SIGKILLs every hetsched-task-supervisor whose state directory is under
// `dir`, and its task's process group.
void KillSupervisorsUnder(const std::string& dir);

// Every job id the scheduler lists, page by page, in its order (a
// duplicate is a bug the caller can see).
absl::StatusOr<std::vector<std::string>> ListJobIds(v1::JobService::Stub& jobs);

class LocalCluster {
 public:
  LocalCluster();
  ~LocalCluster();

  // Mutual TLS from here on, with the certificates make_test_certs.sh
  // wrote into `certs_dir`: the scheduler uses scheduler.pem, the agent of
  // node NAME node-NAME.pem, the CLI and the cluster's own stubs admin.pem
  // (start the scheduler with --tls-admins admin). Call before
  // StartScheduler.
  void UseTls(const std::string& certs_dir);
  // --tls-ca/--tls-cert/--tls-key for certs_dir/IDENTITY.pem; none
  // without TLS.
  std::vector<std::string> TlsFlagsFor(const std::string& identity) const;

  // Port 0 picks one; restarting on the old port keeps agents' address.
  // `flags` are appended to the scheduler's command (--queues ...).
  absl::Status StartScheduler(int port = 0,
                              const std::vector<std::string>& flags = {});
  // High availability: scheduler replica `index` (0, 1, ... in order; a
  // later call with a used index restarts it on its port) on the etcd at
  // `etcd_endpoints`. Agents and the CLI started afterwards are given
  // every replica's address.
  absl::Status StartReplica(int index, const std::string& etcd_endpoints,
                            const std::vector<std::string>& flags = {});
  // Polls until a live replica serves as leader; points the cluster's
  // stubs at it and returns its index.
  absl::StatusOr<int> WaitForLeader(absl::Duration timeout);
  ChildProcess& replica(int index) { return *replicas_.at(index); }
  absl::Status StartAgent(const HostSpec& host);
  absl::Status WaitForReadyNodes(int count);

  absl::StatusOr<std::string> Submit(const std::string& yaml);
  // Polls until the job is in one of `states` (or the deadline passes).
  absl::StatusOr<v1::Job> WaitForJob(
      const std::string& id, const std::vector<v1::JobState>& states,
      absl::Duration timeout = absl::Seconds(60));
  absl::StatusOr<v1::Job> GetJob(const std::string& id);
  absl::StatusOr<std::string> ReadLog(const std::string& id, uint32_t rank);
  CommandResult Cli(std::vector<std::string> args);
  v1::JobService::Stub& jobs() { return *jobs_; }
  // The scheduler's NodeService (after StartScheduler).
  v1::NodeService::Stub& nodes() { return *nodes_; }

  std::string TaskDir(const std::string& node,
                      const std::string& task_id) const;
  ChildProcess& scheduler() { return *scheduler_; }
  ChildProcess& agent(const std::string& name) { return *agents_.at(name); }
  int scheduler_port() const { return port_; }
  // What agents and the CLI are given: HOST:PORT, or every replica's.
  const std::string& scheduler_addresses() const { return address_; }
  const std::string& dir() const { return dir_; }

 private:
  std::vector<std::string> SchedulerArgv(
      const std::string& listen, const std::vector<std::string>& flags) const;
  void PointStubsAt(const std::string& address);

  std::string dir_;
  int port_ = 0;
  std::string address_;
  std::string certs_dir_;               // empty: plaintext
  std::vector<std::string> tls_flags_;  // the CLI's: admin.pem
  std::shared_ptr<grpc::ChannelCredentials> credentials_;
  std::unique_ptr<ChildProcess> scheduler_;
  std::vector<std::unique_ptr<ChildProcess>> replicas_;
  std::vector<int> replica_ports_;
  std::map<std::string, std::unique_ptr<ChildProcess>> agents_;
  std::unique_ptr<v1::JobService::Stub> jobs_;
  std::unique_ptr<v1::NodeService::Stub> nodes_;
};

}  // namespace hetsched::testing
