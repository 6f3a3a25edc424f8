// The etcd StateStore and leader election against a real etcd (Debian's
// etcd-server) started on loopback ports the test picks.
#include <atomic>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "scheduler/store/etcd_store.h"
#include "scheduler/store/leader_election.h"
#include "tests/integration/etcd_cluster.h"

namespace hetsched::store {
namespace {

std::string TempDir() {
  std::string tmpl = ::testing::TempDir() + "/etcdXXXXXX";
  return mkdtemp(tmpl.data());
}

v1::Job Job(const std::string& id, int64_t submit_ms,
            v1::JobState state = v1::JOB_STATE_PENDING) {
  v1::Job job;
  job.set_id(id);
  job.set_submit_time_ms(submit_ms);
  job.set_state(state);
  job.mutable_spec()->set_name("train");
  return job;
}

v1::JobEvent Event(const std::string& job_id, const std::string& type) {
  v1::JobEvent e;
  e.set_job_id(job_id);
  e.set_type(type);
  return e;
}

class EtcdStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cluster = testing::EtcdCluster::Start(1, TempDir());
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    etcd_ = std::move(*cluster);
  }

  std::unique_ptr<EtcdClient> Client(int max_txn_ops = 128) {
    EtcdOptions options;
    options.endpoints = etcd_->endpoint_list();
    options.prefix = "/test/";
    options.max_txn_ops = max_txn_ops;
    auto client = EtcdClient::Connect(options);
    EXPECT_TRUE(client.ok()) << client.status();
    return std::move(*client);
  }

  // Wins the leadership at once (nobody else campaigns).
  static LeaderFence Lead(LeaderElection& election) {
    auto fence =
        election.Campaign([] { return false; }, [](const LeaderView&) {});
    EXPECT_TRUE(fence.ok()) << fence.status();
    return fence.ok() ? *fence : LeaderFence{};
  }

  std::unique_ptr<testing::EtcdCluster> etcd_;
};

TEST_F(EtcdStoreTest, WritesAreReadBackByTheNextLeader) {
  {
    auto client = Client();
    LeaderElection election(client.get(), {.identity = "a:1"});
    auto store = OpenEtcdStore(client.get(), Lead(election));
    WriteBatch batch;
    batch.jobs = {Job("j-000002", 20), Job("j-000001", 10)};
    v1::Node node;
    node.mutable_info()->set_name("h100-0");
    node.set_drained(true);
    batch.nodes.push_back(node);
    batch.events = {Event("j-000001", "SUBMITTED"),
                    Event("j-000001", "PLACED")};
    ASSERT_TRUE(store->Write(batch).ok());
    ASSERT_TRUE(
        store
            ->Write({.jobs = {Job("j-000001", 10, v1::JOB_STATE_SUCCEEDED)},
                     .events = {Event("j-000001", "SUCCEEDED")}})
            .ok());
    election.Resign();
  }
  auto client = Client();
  LeaderElection election(client.get(), {.identity = "b:1"});
  auto store = OpenEtcdStore(client.get(), Lead(election));
  auto jobs = store->LoadJobs();
  ASSERT_TRUE(jobs.ok()) << jobs.status();
  ASSERT_EQ(jobs->size(), 2u);
  EXPECT_EQ((*jobs)[0].id(), "j-000001");  // by submission time
  EXPECT_EQ((*jobs)[0].state(), v1::JOB_STATE_SUCCEEDED);
  auto nodes = store->LoadNodes();
  ASSERT_TRUE(nodes.ok());
  ASSERT_EQ(nodes->size(), 1u);
  EXPECT_TRUE((*nodes)[0].drained());
  // The new leader's events come after the old one's.
  ASSERT_TRUE(store->Write({.events = {Event("j-000001", "NOTE")}}).ok());
  auto events = store->LoadEvents("j-000001");
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 4u);
  EXPECT_EQ((*events)[0].type(), "SUBMITTED");
  EXPECT_EQ((*events)[1].type(), "PLACED");
  EXPECT_EQ((*events)[2].type(), "SUCCEEDED");
  EXPECT_EQ((*events)[3].type(), "NOTE");
  EXPECT_TRUE(store->LoadEvents("j-00000")->empty());  // not a prefix match
  auto all = store->LoadAllEvents();
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 1u);
  ASSERT_EQ(all->at("j-000001").size(), 4u);
  EXPECT_EQ(all->at("j-000001")[3].type(), "NOTE");

  ASSERT_TRUE(store->Write({.deleted_nodes = {"h100-0"}}).ok());
  EXPECT_TRUE(store->LoadNodes()->empty());
}

TEST_F(EtcdStoreTest, BatchesLargerThanOneTransactionAreWrittenWhole) {
  auto client = Client(/*max_txn_ops=*/8);
  LeaderElection election(client.get(), {.identity = "a:1"});
  auto store = OpenEtcdStore(client.get(), Lead(election));
  WriteBatch batch;
  for (int i = 0; i < 1200; ++i) {  // also more than one load page
    char id[16];
    std::snprintf(id, sizeof id, "j-%06d", i);
    batch.jobs.push_back(Job(id, i));
    batch.events.push_back(Event(id, "SUBMITTED"));
  }
  // One job twice: the later version wins (etcd refuses a key twice).
  batch.jobs.push_back(Job("j-000007", 7, v1::JOB_STATE_RUNNING));
  ASSERT_TRUE(store->Write(batch).ok());
  auto jobs = store->LoadJobs();
  ASSERT_TRUE(jobs.ok()) << jobs.status();
  ASSERT_EQ(jobs->size(), 1200u);
  EXPECT_EQ((*jobs)[7].state(), v1::JOB_STATE_RUNNING);
  EXPECT_EQ((*jobs)[1199].id(), "j-001199");
  EXPECT_EQ(store->LoadEvents("j-000500")->size(), 1u);
}

TEST_F(EtcdStoreTest, ALeaderThatLostItsKeyCanNeverWriteAgain) {
  auto old_client = Client();
  LeaderElection old_election(
      old_client.get(), {.identity = "old:1", .lease_ttl = absl::Seconds(2)});
  auto old_store = OpenEtcdStore(old_client.get(), Lead(old_election));
  ASSERT_TRUE(old_store->Write({.jobs = {Job("j-000001", 1)}}).ok());

  // The old leader stops renewing (paused, cut off): its lease runs out
  // and another replica wins.
  auto new_client = Client();
  LeaderElection new_election(new_client.get(), {.identity = "new:1"});
  std::vector<std::string> seen;
  auto fence = new_election.Campaign(
      [] { return false; },
      [&](const LeaderView& view) { seen.push_back(view.leader); });
  ASSERT_TRUE(fence.ok());
  ASSERT_GE(seen.size(), 2u);
  EXPECT_EQ(seen.front(), "old:1");  // followers learn who leads
  EXPECT_EQ(seen.back(), "new:1");
  auto new_store = OpenEtcdStore(new_client.get(), *fence);

  absl::Status late =
      old_store->Write({.jobs = {Job("j-000001", 1, v1::JOB_STATE_SUCCEEDED)}});
  EXPECT_EQ(late.code(), absl::StatusCode::kFailedPrecondition) << late;
  auto jobs = new_store->LoadJobs();
  ASSERT_TRUE(jobs.ok());
  ASSERT_EQ(jobs->size(), 1u);
  EXPECT_EQ((*jobs)[0].state(), v1::JOB_STATE_PENDING);
}

TEST_F(EtcdStoreTest, TheLeaderKeepsItsLeaseAndResignsForAFastFailover) {
  auto client = Client();
  LeaderElection leader(client.get(),
                        {.identity = "a:1", .lease_ttl = absl::Seconds(2)});
  Lead(leader);
  std::atomic<bool> lost{false};
  leader.KeepLeading([&](const absl::Status&) { lost = true; });

  auto other_client = Client();
  LeaderElection follower(other_client.get(), {.identity = "b:1"});
  std::atomic<bool> stop{false};
  absl::Notification won;
  absl::Time won_at;
  std::thread campaign([&] {
    auto fence = follower.Campaign([&] { return stop.load(); },
                                   [](const LeaderView&) {});
    if (fence.ok()) {
      won_at = absl::Now();
      won.Notify();
    }
  });
  // Renewed past three lease lengths: nobody else takes over meanwhile.
  EXPECT_FALSE(won.WaitForNotificationWithTimeout(absl::Seconds(6)));
  EXPECT_FALSE(lost.load());

  const absl::Time resigned = absl::Now();
  leader.Resign();
  EXPECT_TRUE(won.WaitForNotificationWithTimeout(absl::Seconds(5)));
  stop = true;
  campaign.join();
  // Far sooner than the lease would have run out.
  if (won.HasBeenNotified()) {
    EXPECT_LT(won_at - resigned, absl::Seconds(1));
  }
}

TEST_F(EtcdStoreTest, ALeaderWhoseLeaseEndsIsTold) {
  auto client = Client();
  LeaderElection leader(client.get(),
                        {.identity = "a:1", .lease_ttl = absl::Seconds(2)});
  Lead(leader);
  absl::Notification lost;
  leader.KeepLeading([&](const absl::Status&) { lost.Notify(); });
  // Someone (an operator, a partition that outlived the lease) ends it.
  etcdserverpb::RangeRequest read;
  read.set_key("/test/leader");
  auto key = client->Range(read);
  ASSERT_TRUE(key.ok());
  ASSERT_EQ(key->kvs_size(), 1);
  ASSERT_TRUE(client->LeaseRevoke(key->kvs(0).lease()).ok());
  EXPECT_TRUE(lost.WaitForNotificationWithTimeout(absl::Seconds(5)));
}

TEST_F(EtcdStoreTest, ARetiredJobLeavesOnlyItsSummary) {
  auto client = Client();
  LeaderElection election(client.get(), {.identity = "a:1"});
  auto store = OpenEtcdStore(client.get(), Lead(election));
  ASSERT_TRUE(store
                  ->Write({.jobs = {Job("j-000001", 1), Job("j-000002", 2)},
                           .events = {Event("j-000001", "SUBMITTED"),
                                      Event("j-000002", "SUBMITTED")}})
                  .ok());
  v1::Job summary = Job("j-000001", 1, v1::JOB_STATE_SUCCEEDED);
  // Retired in the same batch as a late event of its own: both go.
  ASSERT_TRUE(store
                  ->Write({.events = {Event("j-000001", "LATE")},
                           .retired_jobs = {summary}})
                  .ok());
  auto jobs = store->LoadJobs();
  ASSERT_TRUE(jobs.ok());
  ASSERT_EQ(jobs->size(), 1u);
  EXPECT_EQ((*jobs)[0].id(), "j-000002");
  EXPECT_TRUE(store->LoadEvents("j-000001")->empty());
  EXPECT_EQ(store->LoadEvents("j-000002")->size(), 1u);
  auto retired = store->LoadRetired();
  ASSERT_TRUE(retired.ok());
  ASSERT_EQ(retired->size(), 1u);
  EXPECT_EQ((*retired)[0].state(), v1::JOB_STATE_SUCCEEDED);
}

TEST(EtcdEndpointsTest, ParsesHostPortListsAndNamesTheBadEntry) {
  auto ok = ParseEtcdEndpoints("10.0.0.1:2379, http://etcd-1:2379");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(*ok, (std::vector<std::string>{"10.0.0.1:2379", "etcd-1:2379"}));
  auto bad = ParseEtcdEndpoints("10.0.0.1:2379,etcd-2");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("--etcd-endpoints: \"etcd-2\""),
            std::string::npos)
      << bad.status();
  EXPECT_FALSE(ParseEtcdEndpoints("https://etcd:2379").ok());
  EXPECT_FALSE(ParseEtcdEndpoints("etcd:99999").ok());
  EXPECT_EQ(PrefixRangeEnd("/a/"), "/a0");
}

}  // namespace
}  // namespace hetsched::store
