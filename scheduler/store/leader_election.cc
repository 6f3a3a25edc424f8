#include "scheduler/store/leader_election.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace hetsched::store {

LeaderElection::LeaderElection(EtcdClient* client, ElectionOptions options)
    : client_(client),
      options_(std::move(options)),
      key_(client->options().prefix + "leader") {}

LeaderElection::~LeaderElection() {
  {
    absl::MutexLock lock(&mu_);
    resigning_ = true;
  }
  if (renewer_.joinable()) renewer_.join();
}

absl::StatusOr<LeaderFence> LeaderElection::Campaign(
    const std::function<bool()>& stop,
    const std::function<void(const LeaderView&)>& seen) {
  std::optional<LeaderView> last;
  const auto report = [&](LeaderView view) {
    if (!last || last->leader != view.leader ||
        last->etcd.ok() != view.etcd.ok()) {
      seen(view);
    }
    last = std::move(view);
  };
  while (!stop()) {
    auto grant = client_->LeaseGrant(options_.lease_ttl);
    if (!grant.ok()) {
      report({"", grant.status()});
      absl::SleepFor(options_.poll_interval);
      continue;
    }
    // Create the key only if it does not exist; otherwise read who has it.
    etcdserverpb::TxnRequest txn;
    etcdserverpb::Compare* absent = txn.add_compare();
    absent->set_key(key_);
    absent->set_target(etcdserverpb::Compare::CREATE);
    absent->set_result(etcdserverpb::Compare::EQUAL);
    absent->set_create_revision(0);
    auto* put = txn.add_success()->mutable_request_put();
    put->set_key(key_);
    put->set_value(options_.identity);
    put->set_lease(grant->id());
    txn.add_failure()->mutable_request_range()->set_key(key_);
    auto response = client_->Txn(txn);
    if (response.ok() && response->succeeded()) {
      lease_.store(grant->id());
      report({options_.identity, absl::OkStatus()});
      // The put is the transaction's only write: the key was created at
      // the revision the response reports.
      return LeaderFence{key_, response->header().revision()};
    }
    (void)client_->LeaseRevoke(grant->id());
    if (!response.ok()) {
      report({"", response.status()});
    } else {
      const auto& kvs = response->responses(0).response_range().kvs();
      report({kvs.empty() ? std::string() : kvs[0].value(), absl::OkStatus()});
    }
    absl::SleepFor(options_.poll_interval);
  }
  return absl::CancelledError("leader election: stopped before winning");
}

void LeaderElection::KeepLeading(
    std::function<void(const absl::Status&)> lost) {
  renewer_ = std::thread(
      [this, lost = std::move(lost)]() mutable { RenewLoop(std::move(lost)); });
}

void LeaderElection::RenewLoop(std::function<void(const absl::Status&)> lost) {
  // Renew three times per lease so one slow round trip never ends it.
  const absl::Duration every = options_.lease_ttl / 3;
  absl::Time renewed = absl::Now();
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(absl::Condition(&resigning_), every)) return;
    }
    auto ttl = client_->LeaseKeepAliveOnce(lease_.load());
    if (ttl.ok()) {
      renewed = absl::Now();
      continue;
    }
    // An expired lease is final; an unreachable etcd may come back before
    // the lease would have run out.
    if (ttl.status().code() == absl::StatusCode::kNotFound ||
        absl::Now() - renewed >= options_.lease_ttl) {
      lost(absl::UnavailableError(
          absl::StrCat("lost the leadership: ", ttl.status().message())));
      return;
    }
  }
}

void LeaderElection::Resign() {
  {
    absl::MutexLock lock(&mu_);
    resigning_ = true;
  }
  if (renewer_.joinable()) renewer_.join();
  if (const int64_t lease = lease_.exchange(0); lease != 0) {
    (void)client_->LeaseRevoke(lease);
  }
}

}  // namespace hetsched::store
