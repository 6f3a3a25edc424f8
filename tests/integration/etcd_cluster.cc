#include "tests/integration/etcd_cluster.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "scheduler/store/etcd_client.h"

namespace hetsched::testing {
namespace {

constexpr char kEtcdBinary[] = "/usr/bin/etcd";

std::string Url(int port) { return absl::StrCat("http://127.0.0.1:", port); }

}  // namespace

absl::StatusOr<std::unique_ptr<EtcdCluster>> EtcdCluster::Start(
    int members, const std::string& dir) {
  if (!std::filesystem::exists(kEtcdBinary)) {
    return absl::FailedPreconditionError(
        "etcd is not installed: apt-get install etcd-server "
        "(scripts/install-deps)");
  }
  std::unique_ptr<EtcdCluster> cluster(new EtcdCluster());
  cluster->dir_ = dir;
  std::vector<std::string> peers;
  for (int i = 0; i < members; ++i) {
    Member m;
    m.name = absl::StrCat("m", i);
    auto client = FreeLoopbackPort();
    auto peer = FreeLoopbackPort();
    if (!client.ok()) return client.status();
    if (!peer.ok()) return peer.status();
    m.client_port = *client;
    m.peer_port = *peer;
    peers.push_back(absl::StrCat(m.name, "=", Url(m.peer_port)));
    cluster->members_.push_back(std::move(m));
  }
  cluster->initial_cluster_ = absl::StrJoin(peers, ",");
  for (int i = 0; i < members; ++i) {
    if (absl::Status s = cluster->Launch(i); !s.ok()) return s;
  }
  for (int i = 0; i < members; ++i) {
    if (absl::Status s = cluster->WaitReady(i, absl::Seconds(30)); !s.ok()) {
      return s;
    }
  }
  return cluster;
}

EtcdCluster::~EtcdCluster() {
  for (auto& m : members_) {
    if (m.process) m.process->Crash();
  }
}

absl::Status EtcdCluster::Launch(int member) {
  Member& m = members_[member];
  const std::string data = absl::StrCat(dir_, "/", m.name);
  const std::vector<std::string> argv = {
      kEtcdBinary,
      "--name",
      m.name,
      "--data-dir",
      data,
      "--listen-client-urls",
      Url(m.client_port),
      "--advertise-client-urls",
      Url(m.client_port),
      "--listen-peer-urls",
      Url(m.peer_port),
      "--initial-advertise-peer-urls",
      Url(m.peer_port),
      "--initial-cluster",
      initial_cluster_,
      "--initial-cluster-state",
      "new",
      "--initial-cluster-token",
      "hetsched-test",
      "--logger",
      "zap",
      "--log-level",
      "warn",
  };
  auto process =
      ChildProcess::Start(argv, absl::StrCat(dir_, "/", m.name, ".log"));
  if (!process.ok()) return process.status();
  m.process = std::move(*process);
  return absl::OkStatus();
}

std::vector<std::string> EtcdCluster::endpoint_list() const {
  std::vector<std::string> out;
  for (const auto& m : members_) {
    out.push_back(absl::StrCat("127.0.0.1:", m.client_port));
  }
  return out;
}

std::string EtcdCluster::endpoints() const {
  return absl::StrJoin(endpoint_list(), ",");
}

void EtcdCluster::Kill(int member) {
  if (members_[member].process) members_[member].process->Crash();
  members_[member].process.reset();
}

absl::Status EtcdCluster::Restart(int member) {
  Kill(member);
  return Launch(member);
}

absl::Status EtcdCluster::WaitReady(int member, absl::Duration timeout) {
  store::EtcdOptions options;
  options.endpoints = {endpoint_list()[member]};
  options.call_timeout = absl::Milliseconds(300);
  const absl::Time deadline = absl::Now() + timeout;
  absl::Status last;
  while (absl::Now() < deadline) {
    // A new connection each time: one opened while etcd is still starting
    // can take seconds to finish its HTTP/2 handshake.
    auto client = store::EtcdClient::Connect(options);
    if (!client.ok()) return client.status();
    etcdserverpb::RangeRequest read;
    read.set_key("/hetsched-test-ready");
    auto answer = (*client)->Range(read);
    if (answer.ok()) return absl::OkStatus();
    last = answer.status();
    absl::SleepFor(absl::Milliseconds(50));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("etcd member ", members_[member].name,
                   " not ready: ", last.message(), "; its log: ",
                   members_[member].process ? members_[member].process->Log()
                                            : std::string("(not running)")));
}

}  // namespace hetsched::testing
