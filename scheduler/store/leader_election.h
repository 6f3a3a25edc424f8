// Leader election on an etcd lease: the replica that creates the leader
// key (bound to its lease, valued with its address) leads until the lease
// ends; the others poll the key and take their turn when it is gone. The
// key's create revision fences the leader's writes (etcd_store.h), so a
// replica paused past its lease can never write after a successor won.
// Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "scheduler/store/etcd_client.h"
#include "scheduler/store/etcd_store.h"

namespace hetsched::store {

struct ElectionOptions {
  // What the other replicas and clients are told: HOST:PORT.
  std::string identity;
  // How long the leadership outlives the leader's last renewal: the worst
  // failover time after a leader dies without resigning.
  absl::Duration lease_ttl = absl::Seconds(3);
  // How often a follower checks whether the leader key is gone.
  absl::Duration poll_interval = absl::Milliseconds(200);
};

// What a campaigning replica saw in one round: the leader's address ("" when
// nobody leads or etcd could not be asked) and, when etcd could not be
// asked, why.
struct LeaderView {
  std::string leader;
  absl::Status etcd;
};

class LeaderElection {
 public:
  // `client` must outlive the election.
  LeaderElection(EtcdClient* client, ElectionOptions options);
  ~LeaderElection();

  // The key every replica competes for: PREFIX leader.
  const std::string& key() const { return key_; }

  // Blocks until this replica leads (returns the fence for its store) or
  // `stop` returns true (CANCELLED). `seen` is called whenever the view
  // changes: another leader, or etcd unreachable or back.
  absl::StatusOr<LeaderFence> Campaign(
      const std::function<bool()>& stop,
      const std::function<void(const LeaderView&)>& seen);

  // After Campaign won: renews the lease from a thread of its own and
  // calls `lost` once if it cannot before the lease would end.
  void KeepLeading(std::function<void(const absl::Status&)> lost);

  // Ends the leadership now (a clean shutdown), so a follower takes over
  // without waiting for the lease to run out.
  void Resign();

 private:
  void RenewLoop(std::function<void(const absl::Status&)> lost);

  EtcdClient* const client_;
  const ElectionOptions options_;
  const std::string key_;
  std::atomic<int64_t> lease_{0};
  absl::Mutex mu_;
  bool resigning_ ABSL_GUARDED_BY(mu_) = false;
  std::thread renewer_;
};

}  // namespace hetsched::store
