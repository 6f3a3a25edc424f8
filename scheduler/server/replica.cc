#include "scheduler/server/replica.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "prometheus/exposer.h"
#include "scheduler/control/convert.h"
#include "scheduler/server/follower_server.h"
#include "scheduler/store/etcd_store.h"
#include "scheduler/store/leader_election.h"

namespace hetsched::server {
namespace {

void Say(const std::string& line) { log::Info(line); }

// Counts leaders taking office as this replica sees them: not the one
// already leading when it started, every later one (itself included).
class LeaderWatch {
 public:
  explicit LeaderWatch(std::string self) : self_(std::move(self)) {}
  // True when `leader` is a new leader taking office.
  bool Saw(const std::string& leader) {
    if (leader.empty() || leader == last_) return false;
    const bool first = last_.empty() && !seen_any_;
    last_ = leader;
    seen_any_ = true;
    if (first && leader != self_) return false;
    ++changes_;
    return true;
  }
  uint64_t changes() const { return changes_; }

 private:
  std::string self_;
  std::string last_;
  bool seen_any_ = false;
  uint64_t changes_ = 0;
};

}  // namespace

std::string AdvertisedAddress(const std::string& listen, int port) {
  std::string host = control::HostOf(listen);
  if (host.empty() || host == "0.0.0.0" || host == "[::]" || host == "::") {
    char name[256] = {};
    host = gethostname(name, sizeof name - 1) == 0 ? name : "localhost";
  }
  return absl::StrCat(host, ":", port);
}

int RunReplica(
    DaemonOptions options, ReplicaOptions replica,
    const std::atomic<bool>& stop,
    const std::function<void(int port, int metrics_port)>& listening,
    const std::function<void(control::ControlPlane&)>& while_leading) {
  auto client = store::EtcdClient::Connect(replica.etcd);
  if (!client.ok()) {
    Say(std::string(client.status().message()));
    return 2;
  }
  auto follower = FollowerServer::Start(options.listen,
                                        options.tls.server
                                            ? options.tls.server
                                            : grpc::InsecureServerCredentials(),
                                        options.metrics_listen);
  if (!follower.ok()) {
    Say(std::string(follower.status().message()));
    return 2;
  }
  const int port = (*follower)->port();
  const int metrics_port = (*follower)->metrics_port();
  // The leader serves on exactly the ports the follower held.
  options.listen = absl::StrCat(control::HostOf(options.listen), ":", port);
  if (!options.metrics_listen.empty()) {
    options.metrics_listen = absl::StrCat(
        control::HostOf(options.metrics_listen), ":", metrics_port);
  }
  if (replica.advertise.empty()) {
    replica.advertise = AdvertisedAddress(options.listen, port);
  }
  listening(port, metrics_port);

  store::LeaderElection election(
      client->get(),
      {.identity = replica.advertise, .lease_ttl = replica.lease_ttl});
  LeaderWatch watch(replica.advertise);
  auto fence = election.Campaign(
      [&] { return stop.load(); },
      [&](const store::LeaderView& view) {
        if (!view.etcd.ok()) {
          const std::string why =
              absl::StrCat("cannot reach etcd: ", view.etcd.message());
          (*follower)->SetLeader("", false, why);
          Say(why);
          return;
        }
        const bool changed = watch.Saw(view.leader);
        (*follower)->SetLeader(view.leader, changed);
        Say(view.leader.empty() ? "no scheduler replica leads"
                                : absl::StrCat("the leader is ", view.leader));
      });
  if (!fence.ok()) return 0;  // stopped while following
  Say(absl::StrCat("elected leader as ", replica.advertise, " (",
                   election.key(), " at revision ", fence->create_revision,
                   "); loading the state from etcd"));
  // Renewing starts at once: handing the port over and loading the state
  // may take longer than the lease.
  election.KeepLeading([](const absl::Status& lost) {
    // Another replica may lead now; this one must not act on its memory.
    Say(absl::StrCat(lost.message(),
                     "; exiting so that a restart follows "
                     "the new leader"));
    std::_Exit(1);
  });
  std::unique_ptr<prometheus::Exposer> metrics = (*follower)->HandOverMetrics();
  (*follower)->Shutdown();

  auto daemon = SchedulerDaemon::Start(
      options, store::OpenEtcdStore(client->get(), *fence), std::move(metrics));
  if (!daemon.ok()) {
    Say(std::string(daemon.status().message()));
    election.Resign();
    return 1;
  }
  (*daemon)->metrics()->CountLeaderChanges(watch.changes());
  Say("leading");
  while (!stop.load()) {
    if (while_leading) while_leading(*(*daemon)->control());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  (*daemon)->Shutdown();
  election.Resign();
  return 0;
}

}  // namespace hetsched::server
