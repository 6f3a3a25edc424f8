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
  std::vector<std::string> agent_flags;  // appended to the agent's command
};

// SIGKILLs every hetsched-task-supervisor whose state directory is under
// `dir`, and its task's process group.
void KillSupervisorsUnder(const std::string& dir);

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
  // The scheduler's NodeService (after StartScheduler).
  v1::NodeService::Stub& nodes() { return *nodes_; }

  std::string TaskDir(const std::string& node,
                      const std::string& task_id) const;
  ChildProcess& scheduler() { return *scheduler_; }
  ChildProcess& agent(const std::string& name) { return *agents_.at(name); }
  int scheduler_port() const { return port_; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  int port_ = 0;
  std::string address_;
  std::string certs_dir_;               // empty: plaintext
  std::vector<std::string> tls_flags_;  // the CLI's: admin.pem
  std::shared_ptr<grpc::ChannelCredentials> credentials_;
  std::unique_ptr<ChildProcess> scheduler_;
  std::map<std::string, std::unique_ptr<ChildProcess>> agents_;
  std::unique_ptr<v1::JobService::Stub> jobs_;
  std::unique_ptr<v1::NodeService::Stub> nodes_;
};

}  // namespace hetsched::testing
