// High availability on etcd: three scheduler replicas on a three-member
// etcd cluster, real agents running work, clients submitting. The leader
// is SIGKILLed: a follower takes over within seconds, nothing acknowledged
// is lost or doubled, and the running tasks carry on, launched once.
#include <signal.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "spec/job_spec_yaml.h"
#include "tests/integration/etcd_cluster.h"
#include "tests/integration/local_cluster.h"

namespace hetsched::testing {
namespace {

constexpr int kReplicas = 3;

std::string TempDir() {
  std::string tmpl = ::testing::TempDir() + "/haXXXXXX";
  return mkdtemp(tmpl.data());
}

// Submits to whichever replica accepts, as a client given every address
// does; returns the acknowledged id or the last error.
class ReplicaClient {
 public:
  explicit ReplicaClient(const std::vector<std::string>& addresses) {
    for (const auto& a : addresses) {
      stubs_.push_back(v1::JobService::NewStub(
          grpc::CreateChannel(a, grpc::InsecureChannelCredentials())));
    }
  }
  // The error is UNAVAILABLE only when every replica answered it (else
  // another replica's); `errors` has every replica's.
  absl::StatusOr<std::string> Submit(const v1::JobSpec& spec,
                                     std::string* errors = nullptr) {
    grpc::Status last;
    grpc::Status other;
    for (size_t i = 0; i < stubs_.size(); ++i) {
      const size_t at = (next_ + i) % stubs_.size();
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(3));
      v1::SubmitJobRequest request;
      *request.mutable_spec() = spec;
      v1::SubmitJobResponse response;
      last = stubs_[at]->SubmitJob(&ctx, request, &response);
      if (last.ok()) {
        next_ = at;
        return response.job_id();
      }
      if (errors != nullptr) {
        absl::StrAppend(errors, errors->empty() ? "" : "; ",
                        last.error_message());
      }
      if (last.error_code() != grpc::StatusCode::UNAVAILABLE) other = last;
    }
    const grpc::Status& error = other.ok() ? last : other;
    return absl::Status(static_cast<absl::StatusCode>(error.error_code()),
                        error.error_message());
  }

 private:
  std::vector<std::unique_ptr<v1::JobService::Stub>> stubs_;
  size_t next_ = 0;
};

int CountLines(const std::string& path) {
  std::ifstream in(path);
  int lines = 0;
  for (std::string line; std::getline(in, line);) ++lines;
  return lines;
}

v1::JobSpec TinySpec() {
  auto tiny = spec::ParseJobSpecYaml(
      "name: tiny\ntask_groups:\n  - name: main\n    replicas: 1\n"
      "    accelerators: {count: 1}\n    command: [\"true\"]\n");
  EXPECT_TRUE(tiny.ok()) << tiny.status();
  return tiny.ok() ? *tiny : v1::JobSpec();
}

// Three replicas on a three-member etcd, two 8-GPU agents, and a two-host
// job that records each launch of a task in its job directory.
class HighAvailabilityTest : public ::testing::Test {
 protected:
  void StartFleet(const std::vector<std::string>& flags) {
    auto etcd = EtcdCluster::Start(3, TempDir());
    ASSERT_TRUE(etcd.ok()) << etcd.status();
    etcd_ = std::move(*etcd);
    for (int i = 0; i < kReplicas; ++i) {
      ASSERT_TRUE(cluster_.StartReplica(i, etcd_->endpoints(), flags).ok());
    }
    auto leader = cluster_.WaitForLeader(absl::Seconds(30));
    ASSERT_TRUE(leader.ok()) << leader.status();
    leader_ = *leader;
    ASSERT_TRUE(cluster_.StartAgent({"h0", "nvidia/h100", 8}).ok());
    ASSERT_TRUE(cluster_.StartAgent({"h1", "nvidia/h100", 8}).ok());
    ASSERT_TRUE(cluster_.WaitForReadyNodes(2).ok());
    addresses_ = absl::StrSplit(cluster_.scheduler_addresses(), ',');
    auto job = cluster_.Submit(
        "name: train\ntask_groups:\n  - name: main\n    replicas: 2\n"
        "    accelerators: {count: 4}\n"
        "    command: [sh, -c, 'echo $HETSCHED_TASK_ID >> "
        "$HETSCHED_JOB_DIR/launches; exec sleep 600']\n");
    ASSERT_TRUE(job.ok()) << job.status();
    long_job_ = *job;
    auto running = cluster_.WaitForJob(long_job_, {v1::JOB_STATE_RUNNING});
    ASSERT_TRUE(running.ok()) << running.status();
    for (const auto& t : running->tasks()) task_ids_.insert(t.id());
  }

  // The long job, as the leader the cluster's stubs point at sees it:
  // the same tasks, all RUNNING, each launched once.
  void ExpectTheLongJobCarriedOn() {
    auto after = cluster_.GetJob(long_job_);
    ASSERT_TRUE(after.ok()) << after.status();
    EXPECT_EQ(after->state(), v1::JOB_STATE_RUNNING);
    std::set<std::string> ids_after;
    for (const auto& t : after->tasks()) {
      ids_after.insert(t.id());
      EXPECT_EQ(t.state(), v1::TASK_STATE_RUNNING) << t.id();
    }
    EXPECT_EQ(ids_after, task_ids_);
    int launches = 0;
    for (const char* host : {"h0", "h1"}) {
      launches += CountLines(absl::StrCat(cluster_.dir(), "/", host, "/jobs/",
                                          long_job_, "/launches"));
    }
    EXPECT_EQ(launches, 2);  // one per replica, none after a failover
  }

  std::unique_ptr<EtcdCluster> etcd_;
  LocalCluster cluster_;
  int leader_ = -1;
  std::vector<std::string> addresses_;
  std::string long_job_;
  std::set<std::string> task_ids_;
};

TEST_F(HighAvailabilityTest, KillingTheLeaderLosesNothingAndKillsNoTask) {
  // A node lease far longer than the failover: no node may go LOST. With
  // metrics on, as deployed: handing the metrics port from follower to
  // leader takes longer than the lease, which must not lapse meanwhile.
  const std::vector<std::string> flags = {
      "--leader-lease-s", "2",          "--node-lost-timeout-s", "20",
      "--metrics-listen", "127.0.0.1:0"};
  ASSERT_NO_FATAL_FAILURE(StartFleet(flags));
  LocalCluster& cluster = cluster_;
  const std::vector<std::string>& addresses = addresses_;
  const v1::JobSpec tiny = TinySpec();
  std::mutex mu;
  std::vector<std::string> acknowledged;
  std::atomic<bool> stop{false};
  std::atomic<int> acks{0};
  std::vector<std::thread> submitters;
  for (int s = 0; s < 2; ++s) {
    submitters.emplace_back([&] {
      ReplicaClient client(addresses);
      while (!stop.load()) {
        auto id = client.Submit(tiny);
        if (id.ok()) {
          std::lock_guard<std::mutex> lock(mu);
          acknowledged.push_back(*id);
          ++acks;
        }
      }
    });
  }
  const absl::Time warmup = absl::Now() + absl::Seconds(20);
  while (acks.load() < 20 && absl::Now() < warmup) std::this_thread::yield();
  ASSERT_GE(acks.load(), 20);

  // A user waiting on a job across the failover: submit --wait given
  // every replica follows the new leader and ends with the job's code.
  const std::string short_spec = cluster.dir() + "/short.yaml";
  std::ofstream(short_spec) << "name: short\ntask_groups:\n  - name: main\n"
                               "    replicas: 1\n    accelerators: {count: 1}\n"
                               "    command: [sleep, \"6\"]\n";
  auto waiter = ChildProcess::Start(
      {HETSCHED_CLI_BIN, "--scheduler", cluster.scheduler_addresses(), "submit",
       short_spec, "--wait"},
      cluster.dir() + "/submit-wait.log");
  ASSERT_TRUE(waiter.ok()) << waiter.status();
  const absl::Time printed_by = absl::Now() + absl::Seconds(20);
  while ((*waiter)->Stdout().find("j-") == std::string::npos &&
         absl::Now() < printed_by) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_NE((*waiter)->Stdout().find("j-"), std::string::npos)
      << (*waiter)->Log();

  cluster.replica(leader_).Crash();  // submissions in flight
  const absl::Time killed = absl::Now();
  const int acks_at_kill = acks.load();
  while (acks.load() == acks_at_kill &&
         absl::Now() - killed < absl::Seconds(15)) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  const absl::Duration failover = absl::Now() - killed;
  std::printf(
      "failover: a new leader accepted a submission %.2f s after "
      "the leader was killed\n",
      absl::ToDoubleSeconds(failover));
  EXPECT_LT(failover, absl::Seconds(5));
  // Let the new leader take a few more before the checks.
  const int acks_after = acks.load();
  while (acks.load() < acks_after + 10 &&
         absl::Now() - killed < absl::Seconds(30)) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  stop = true;
  for (auto& t : submitters) t.join();

  auto new_leader = cluster.WaitForLeader(absl::Seconds(10));
  ASSERT_TRUE(new_leader.ok()) << new_leader.status();
  EXPECT_NE(*new_leader, leader_);
  auto listed = ListJobIds(cluster.jobs());
  ASSERT_TRUE(listed.ok()) << listed.status();
  const std::multiset<std::string> stored(listed->begin(), listed->end());
  for (const auto& id : acknowledged) {
    EXPECT_EQ(stored.count(id), 1u) << id << " acknowledged, then lost";
  }

  // The running job carried on: same tasks, never launched again.
  ASSERT_TRUE(cluster.WaitForReadyNodes(2).ok());
  ExpectTheLongJobCarriedOn();

  const absl::Time waited_by = absl::Now() + absl::Seconds(30);
  while (!ProcessGone((*waiter)->pid()) && absl::Now() < waited_by) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_EQ((*waiter)->Stop(), 0) << (*waiter)->Log();

  // The old leader comes back as a follower and sends clients on.
  ASSERT_TRUE(cluster.StartReplica(leader_, etcd_->endpoints(), flags).ok());
  auto stub = v1::JobService::NewStub(grpc::CreateChannel(
      addresses[leader_], grpc::InsecureChannelCredentials()));
  grpc::Status refused;
  const absl::Time named_by = absl::Now() + absl::Seconds(10);
  do {  // until its first look at the leader key
    grpc::ClientContext ctx;
    v1::ListQueuesResponse queues;
    refused = stub->ListQueues(&ctx, v1::ListQueuesRequest(), &queues);
  } while (refused.error_message().find(addresses[*new_leader]) ==
               std::string::npos &&
           absl::Now() < named_by);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(refused.error_message().find(addresses[*new_leader]),
            std::string::npos)
      << refused.error_message();
  // The CLI, given every replica, finds the leader by itself.
  CommandResult jobs = cluster.Cli({"job", "describe", long_job_});
  EXPECT_EQ(jobs.exit_code, 0) << jobs.err;
  CommandResult nodes = cluster.Cli({"nodes"});
  EXPECT_EQ(nodes.exit_code, 0) << nodes.err;
  EXPECT_NE(nodes.out.find(absl::StrCat("scheduler: ", addresses[*new_leader],
                                        " (leader of 3 replicas)")),
            std::string::npos)
      << nodes.out;
}

// A leader paused (SIGSTOP) past its lease, as a VM stall or a long GC
// pause would: a follower takes over, the agents move to it before their
// node lease runs out, and the old leader, resumed with a view of the
// fleet that is long out of date (every node silent past its lease), steps
// down without a single write landing.
TEST_F(HighAvailabilityTest, APausedLeaderStepsDownAndItsStaleWritesDoNotLand) {
  // Agents give a silent replica half the 8 s node lease, then move on.
  const std::vector<std::string> flags = {"--leader-lease-s",      "2",
                                          "--node-lost-timeout-s", "8",
                                          "--heartbeat-ms",        "1000"};
  ASSERT_NO_FATAL_FAILURE(StartFleet(flags));
  LocalCluster& cluster = cluster_;
  const pid_t paused = cluster.replica(leader_).pid();
  ASSERT_EQ(kill(paused, SIGSTOP), 0);
  const absl::Time stopped = absl::Now();
  ReplicaClient client(addresses_);
  absl::StatusOr<std::string> taken_over;
  do {
    taken_over = client.Submit(TinySpec());
  } while (!taken_over.ok() && absl::Now() - stopped < absl::Seconds(20));
  ASSERT_TRUE(taken_over.ok()) << taken_over.status();
  std::printf(
      "a new leader accepted a submission %.2f s after the leader "
      "was paused\n",
      absl::ToDoubleSeconds(absl::Now() - stopped));

  // Paused past the node lease: were the agents still waiting on it, the
  // new leader would find them LOST and they would stop their tasks.
  while (absl::Now() - stopped < absl::Seconds(12)) {
    absl::SleepFor(absl::Milliseconds(100));
  }
  auto new_leader = cluster.WaitForLeader(absl::Seconds(10));
  ASSERT_TRUE(new_leader.ok()) << new_leader.status();
  ASSERT_NE(*new_leader, leader_);
  ASSERT_EQ(kill(paused, SIGCONT), 0);
  const absl::Time resumed = absl::Now();
  while (!ProcessGone(paused) && absl::Now() - resumed < absl::Seconds(20)) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_TRUE(ProcessGone(paused))
      << "the old leader kept going after its lease ended";
  std::printf("the resumed old leader stepped down after %.2f s\n",
              absl::ToDoubleSeconds(absl::Now() - resumed));
  const std::string old_log = cluster.replica(leader_).Log();
  // Whichever noticed first: its lease renewal, or a write the fence
  // refused.
  EXPECT_TRUE(old_log.find("lost the leadership") != std::string::npos ||
              old_log.find("no longer leads") != std::string::npos)
      << old_log;

  // What etcd holds is what a third leader reads: the new leader is
  // killed too, and the last replica loads the state afresh.
  cluster.replica(*new_leader).Crash();
  auto third = cluster.WaitForLeader(absl::Seconds(30));
  ASSERT_TRUE(third.ok()) << third.status();
  ASSERT_NE(*third, leader_);
  ASSERT_NE(*third, *new_leader);
  ExpectTheLongJobCarriedOn();  // through both failovers
  EXPECT_TRUE(cluster.GetJob(*taken_over).ok()) << *taken_over;
  v1::ListNodesRequest request;
  v1::ListNodesResponse nodes;
  grpc::ClientContext ctx;
  ASSERT_TRUE(cluster.nodes().ListNodes(&ctx, request, &nodes).ok());
  for (const auto& node : nodes.nodes()) {
    EXPECT_NE(node.state(), v1::NODE_STATE_LOST) << node.info().name();
  }
}

TEST_F(HighAvailabilityTest, WritesStopWithoutAnEtcdQuorumAndResumeWithIt) {
  const std::string dir = TempDir();
  auto etcd = EtcdCluster::Start(3, dir);
  ASSERT_TRUE(etcd.ok()) << etcd.status();
  LocalCluster cluster;
  const std::vector<std::string> flags = {"--leader-lease-s", "2"};
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(cluster.StartReplica(i, (*etcd)->endpoints(), flags).ok());
  }
  ASSERT_TRUE(cluster.WaitForLeader(absl::Seconds(30)).ok());
  const std::vector<std::string> addresses =
      absl::StrSplit(cluster.scheduler_addresses(), ',');
  const v1::JobSpec tiny = TinySpec();
  ReplicaClient client(addresses);
  std::vector<std::string> acknowledged;
  // Submits until one is acknowledged or `within` passes.
  const auto submit_within = [&](absl::Duration within) {
    const absl::Time deadline = absl::Now() + within;
    absl::StatusOr<std::string> id;
    do {
      id = client.Submit(tiny);
    } while (!id.ok() && absl::Now() < deadline);
    if (id.ok()) acknowledged.push_back(*id);
    return id;
  };
  ASSERT_TRUE(submit_within(absl::Seconds(10)).ok());

  // One member of three gone: the quorum holds, and so does the service.
  (*etcd)->Kill(0);
  auto with_two = submit_within(absl::Seconds(15));
  ASSERT_TRUE(with_two.ok()) << with_two.status();

  // Two gone: no write can be durable, so none is acknowledged. The calls
  // in flight then may time out; the next ones are refused UNAVAILABLE.
  (*etcd)->Kill(1);
  absl::StatusOr<std::string> refused;
  std::string errors;
  const absl::Time refused_by = absl::Now() + absl::Seconds(30);
  do {
    errors.clear();
    refused = client.Submit(tiny, &errors);
    if (refused.ok()) acknowledged.push_back(*refused);
  } while ((refused.ok() ||
            refused.status().code() != absl::StatusCode::kUnavailable ||
            errors.find("cannot reach etcd") == std::string::npos) &&
           absl::Now() < refused_by);
  ASSERT_FALSE(refused.ok())
      << "submissions still acknowledged without a quorum";
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable)
      << refused.status();
  // The replica still up says why nobody leads.
  EXPECT_NE(errors.find("cannot reach etcd"), std::string::npos) << errors;
  std::printf("without a quorum: %s\n", errors.c_str());
  const size_t acknowledged_before = acknowledged.size();
  EXPECT_FALSE(submit_within(absl::Seconds(2)).ok());
  EXPECT_EQ(acknowledged.size(), acknowledged_before);

  // The member is back: a replica leads again (the test restarts replicas
  // that exited, as their supervisor would) and service resumes.
  ASSERT_TRUE((*etcd)->Restart(1).ok());
  absl::StatusOr<std::string> resumed;
  const absl::Time resume_by = absl::Now() + absl::Seconds(60);
  while (absl::Now() < resume_by) {
    for (int i = 0; i < 2; ++i) {
      if (ProcessGone(cluster.replica(i).pid())) {
        ASSERT_TRUE(cluster.StartReplica(i, (*etcd)->endpoints(), flags).ok());
      }
    }
    resumed = submit_within(absl::Seconds(1));
    if (resumed.ok()) break;
  }
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  ASSERT_TRUE(cluster.WaitForLeader(absl::Seconds(10)).ok());
  auto listed = ListJobIds(cluster.jobs());
  ASSERT_TRUE(listed.ok()) << listed.status();
  const std::multiset<std::string> stored(listed->begin(), listed->end());
  for (const auto& id : acknowledged) {
    EXPECT_EQ(stored.count(id), 1u) << id << " acknowledged, then lost";
  }
}

}  // namespace
}  // namespace hetsched::testing
