// A real etcd cluster for tests: Debian's etcd-server started as N member
// processes on loopback ports picked at start, with data under a scratch
// directory. Members can be killed (SIGKILL) and started again on their
// data. Not thread-safe; one owner.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/integration/child_process.h"

namespace hetsched::testing {

class EtcdCluster {
 public:
  // Starts `members` members under `dir` and waits until each answers.
  static absl::StatusOr<std::unique_ptr<EtcdCluster>> Start(
      int members, const std::string& dir);
  ~EtcdCluster();

  // "127.0.0.1:PORT,..." for --etcd-endpoints.
  std::string endpoints() const;
  std::vector<std::string> endpoint_list() const;
  int size() const { return static_cast<int>(members_.size()); }

  void Kill(int member);
  absl::Status Restart(int member);
  // Polls until the member answers a read, or the deadline passes.
  absl::Status WaitReady(int member, absl::Duration timeout);

 private:
  struct Member {
    std::string name;
    int client_port = 0;
    int peer_port = 0;
    std::unique_ptr<ChildProcess> process;
  };
  EtcdCluster() = default;
  absl::Status Launch(int member);

  std::string dir_;
  std::string initial_cluster_;
  std::vector<Member> members_;
};

}  // namespace hetsched::testing
