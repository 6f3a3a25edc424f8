// A scheduler replica on the etcd store (--store etcd): it serves as a
// follower (follower_server.h) while another replica leads, campaigns for
// the leader key, and once elected loads the state from etcd and serves
// the real scheduler on the same ports. It leads until it is stopped (then
// it resigns, so a follower takes over at once) or until it can no longer
// prove its leadership (lease not renewed, a fenced write refused): then
// the process exits, and its supervisor starts it again as a follower.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "absl/time/time.h"
#include "scheduler/server/scheduler_daemon.h"
#include "scheduler/store/etcd_client.h"

namespace hetsched::server {

struct ReplicaOptions {
  store::EtcdOptions etcd;
  // HOST:PORT the other replicas name to clients and agents; derived from
  // --listen when empty.
  std::string advertise;
  absl::Duration lease_ttl = absl::Seconds(3);
};

// The address to advertise for `listen` bound at `port`: its host, or this
// machine's host name when it listens on every interface.
std::string AdvertisedAddress(const std::string& listen, int port);

// Runs until `stop`; returns the process's exit code. `listening` is
// called once the follower ports are bound (the daemon's first line);
// `while_leading`, when set, every 100 ms while this replica leads (the
// SIGHUP reload of --queues).
int RunReplica(
    DaemonOptions options, ReplicaOptions replica,
    const std::atomic<bool>& stop,
    const std::function<void(int port, int metrics_port)>& listening,
    const std::function<void(control::ControlPlane&)>& while_leading = {});

}  // namespace hetsched::server
