// What a scheduler replica that does not lead serves on its port (--store
// etcd): every call is answered UNAVAILABLE naming the leader (in the
// message and in the "hetsched-leader" trailing metadata, so clients and
// agents go there), gRPC health says NOT_SERVING, and /metrics shows
// hetsched_leader 0. The replica that wins the election shuts this down
// and serves the real services on the same ports. Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"

namespace prometheus {
class Exposer;
class Registry;
template <typename T>
class Family;
class Counter;
class Gauge;
}  // namespace prometheus

namespace hetsched::server {

inline constexpr char kLeaderMetadata[] = "hetsched-leader";

class FollowerServer {
 public:
  // Binds `listen` (and `metrics_listen` unless empty); ports 0 pick.
  static absl::StatusOr<std::unique_ptr<FollowerServer>> Start(
      const std::string& listen,
      std::shared_ptr<grpc::ServerCredentials> credentials,
      const std::string& metrics_listen);
  ~FollowerServer();

  int port() const { return port_; }
  int metrics_port() const { return metrics_port_; }
  // The leader's address as the election reports it ("" while none
  // leads, with `why_none` when etcd could not be asked); `changed`:
  // another replica took office (counted in hetsched_leader_changes_total).
  void SetLeader(const std::string& address, bool changed,
                 const std::string& why_none = "");
  // The /metrics endpoint, still serving, for the leader to take over
  // (null without one): stopping and binding it again would take civetweb
  // about two seconds of the failover. The follower's series leave it.
  std::unique_ptr<prometheus::Exposer> HandOverMetrics();
  // Releases the ports.
  void Shutdown();

 private:
  class Refuser;
  FollowerServer();

  std::unique_ptr<Refuser> refuser_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  prometheus::Counter* leader_changes_ = nullptr;
  int port_ = 0;
  int metrics_port_ = 0;
};

}  // namespace hetsched::server
