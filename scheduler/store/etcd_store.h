// StateStore on etcd: the replicated store for a highly available
// scheduler (--store etcd). Under the prefix P:
//   P jobs/<id>                         a Job message
//   P nodes/<name>                      a Node message
//   P events/<job id>/<epoch><counter>  a JobEvent, in write order
//   P retired/<id>                      a retired job's usage summary
// A batch is one etcd transaction, or several when it holds more
// operations than etcd allows in one (EtcdOptions::max_txn_ops); each
// message is always written whole. Every transaction is fenced: it
// commits only while the leader key still has the revision this replica
// created it with, so a replica that lost its leadership (paused past its
// lease, cut off) can never write again. Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "scheduler/store/etcd_client.h"
#include "scheduler/store/state_store.h"

namespace hetsched::store {

// The leadership a store writes under: the leader key and the create
// revision it had when this replica won it.
struct LeaderFence {
  std::string key;
  int64_t create_revision = 0;
};

// `client` must outlive the store.
std::unique_ptr<StateStore> OpenEtcdStore(EtcdClient* client,
                                          LeaderFence fence);

}  // namespace hetsched::store
