// A client of etcd's v3 API for the scheduler's replicated state: the KV
// and Lease calls the store and the leader election need, each with a
// deadline, over one channel per endpoint. A call that finds its member
// unreachable tries the next one, so a cluster that keeps a quorum keeps
// serving when members die. Thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "etcd/etcdserver/etcdserverpb/rpc.grpc.pb.h"
#include "grpcpp/security/credentials.h"

namespace hetsched::store {

struct EtcdOptions {
  // HOST:PORT of each member (--etcd-endpoints).
  std::vector<std::string> endpoints;
  // Every key the scheduler writes starts with it (--etcd-prefix).
  std::string prefix = "/hetsched/";
  // Plaintext when null (an etcd on loopback or a trusted network).
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  // How long one call may take on one member before the next is tried.
  absl::Duration call_timeout = absl::Seconds(5);
  // At most this many operations in one transaction: etcd's own
  // --max-txn-ops (128 unless its operator raised it).
  int max_txn_ops = 128;
};

// Parses "HOST:PORT[,HOST:PORT...]"; INVALID_ARGUMENT names
// --etcd-endpoints and the entry at fault.
absl::StatusOr<std::vector<std::string>> ParseEtcdEndpoints(
    const std::string& list);

// The smallest key after every key that starts with `prefix`: the
// range_end that makes a Range cover exactly that prefix.
std::string PrefixRangeEnd(const std::string& prefix);

class EtcdClient {
 public:
  static absl::StatusOr<std::unique_ptr<EtcdClient>> Connect(
      EtcdOptions options);

  const EtcdOptions& options() const { return options_; }

  absl::StatusOr<etcdserverpb::TxnResponse> Txn(
      const etcdserverpb::TxnRequest& request);
  absl::StatusOr<etcdserverpb::RangeResponse> Range(
      const etcdserverpb::RangeRequest& request);
  absl::StatusOr<etcdserverpb::LeaseGrantResponse> LeaseGrant(
      absl::Duration ttl);
  absl::Status LeaseRevoke(int64_t lease);
  // One keep-alive round trip; NOT_FOUND when the lease has expired.
  absl::StatusOr<absl::Duration> LeaseKeepAliveOnce(int64_t lease);

 private:
  struct Member {
    std::string endpoint;
    std::unique_ptr<etcdserverpb::KV::Stub> kv;
    std::unique_ptr<etcdserverpb::Lease::Stub> lease;
  };
  explicit EtcdClient(EtcdOptions options) : options_(std::move(options)) {}

  // Runs `call` on the member last found reachable, then on each other
  // one while they answer UNAVAILABLE or time out.
  template <typename Call>
  absl::Status OnAnyMember(const char* what, Call call);

  EtcdOptions options_;
  std::vector<Member> members_;
  std::atomic<size_t> current_{0};
};

}  // namespace hetsched::store
