// Queues end to end: a scheduler started with --queues, jobs that run
// within and beyond their quota, and `hetsched queues` as operators run it.
#include <signal.h>

#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/integration/local_cluster.h"

namespace hetsched::testing {
namespace {

std::string PreemptibleJob(const std::string& name) {
  return absl::StrCat("name: ", name, "\nqueue: research\npreemptible: true\n",
                      "task_groups:\n  - name: main\n    replicas: 1\n",
                      "    accelerators: {count: 8, kinds: [nvidia/h100]}\n",
                      "    command: [\"sleep\", \"600\"]\n");
}

class QueuesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string queues = cluster_.dir() + "/queues.yaml";
    std::ofstream(queues)
        << "queues:\n"
        << "  - {name: research, weight: 2, cohort: lab,"
        << " quota: {nvidia/h100: 8}}\n"
        << "  - {name: prod, cohort: lab, quota: {nvidia/h100: 8}}\n";
    ASSERT_TRUE(cluster_.StartScheduler(0, {"--queues", queues}).ok());
    ASSERT_TRUE(cluster_.StartAgent({"h100-0", "nvidia/h100", 8, "us-a"}).ok());
    ASSERT_TRUE(cluster_.StartAgent({"h100-1", "nvidia/h100", 8, "us-b"}).ok());
    ASSERT_TRUE(cluster_.WaitForReadyNodes(2).ok());
  }

  // `hetsched queues -o json`, polled until `done` holds for it.
  nlohmann::json PollQueues(
      const std::function<bool(const nlohmann::json&)>& done) {
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    nlohmann::json last;
    while (absl::Now() < deadline) {
      CommandResult r = cluster_.Cli({"queues", "-o", "json"});
      EXPECT_EQ(r.exit_code, 0) << r.err;
      last = nlohmann::json::parse(r.out, nullptr, false);
      if (!last.is_discarded() && done(last)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return last;
  }

  LocalCluster cluster_;
};

nlohmann::json QueueNamed(const nlohmann::json& response,
                          const std::string& name) {
  for (const auto& q : response.value("queues", nlohmann::json::array())) {
    if (q.value("name", "") == name) return q;
  }
  return nlohmann::json::object();
}

TEST_F(QueuesTest, QueuesShowQuotaUseBorrowingAndWaitingJobs) {
  // Two jobs of 8 on a quota of 8: the second borrows prod's idle quota
  // (same cohort, preemptible); a third finds nothing left and waits.
  for (const char* name : {"a", "b", "c"}) {
    ASSERT_TRUE(cluster_.Submit(PreemptibleJob(name)).ok());
  }
  nlohmann::json response = PollQueues([](const nlohmann::json& r) {
    const nlohmann::json research = QueueNamed(r, "research");
    return research.value("running_jobs", 0) == 2 &&
           research.value("pending_jobs", 0) == 1;
  });
  const nlohmann::json research = QueueNamed(response, "research");
  ASSERT_EQ(research.value("running_jobs", 0), 2) << response.dump();
  EXPECT_EQ(research.value("pending_jobs", 0), 1);
  EXPECT_EQ(research.value("weight", 0.0), 2.0);
  EXPECT_EQ(research.value("cohort", ""), "lab");
  EXPECT_TRUE(research.value("has_quota", false));
  ASSERT_EQ(research["kinds"].size(), 1u) << response.dump();
  const nlohmann::json& h100 = research["kinds"][0];
  EXPECT_EQ(h100.value("kind", ""), "nvidia/h100");
  EXPECT_EQ(h100.value("nominal", 0), 8);
  EXPECT_EQ(h100.value("used", 0), 16);
  EXPECT_EQ(h100.value("borrowed", 0), 8);

  const nlohmann::json prod = QueueNamed(response, "prod");
  EXPECT_TRUE(prod.value("configured", false));
  EXPECT_EQ(prod.value("running_jobs", 0), 0);
  EXPECT_FALSE(QueueNamed(response, "default").empty());

  CommandResult table = cluster_.Cli({"queues"});
  EXPECT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("research  2       lab     1        0     2"),
            std::string::npos)
      << table.out;
  EXPECT_NE(table.out.find("nvidia/h100  8      16    8"), std::string::npos)
      << table.out;
}

TEST_F(QueuesTest, SighupRereadsTheQueuesAndABadFileChangesNothing) {
  const std::string queues = cluster_.dir() + "/queues.yaml";
  auto nominal = [](const nlohmann::json& r) {
    const nlohmann::json research = QueueNamed(r, "research");
    return research.contains("kinds") && !research["kinds"].empty()
               ? research["kinds"][0].value("nominal", -1)
               : -1;
  };
  std::ofstream(queues) << "queues:\n"
                        << "  - {name: research, weight: 2, cohort: lab,"
                        << " quota: {nvidia/h100: 16},"
                        << " borrowing_limit: {nvidia/h100: 0}}\n"
                        << "  - {name: prod, cohort: lab}\n";
  ASSERT_EQ(kill(cluster_.scheduler().pid(), SIGHUP), 0);
  nlohmann::json after =
      PollQueues([&](const nlohmann::json& r) { return nominal(r) == 16; });
  EXPECT_EQ(nominal(after), 16) << after.dump();

  std::ofstream(queues) << "queues:\n  - {name: research, qouta: 3}\n";
  ASSERT_EQ(kill(cluster_.scheduler().pid(), SIGHUP), 0);
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (cluster_.scheduler().Log().find("kept the running queues") ==
             std::string::npos &&
         absl::Now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_NE(
      cluster_.scheduler().Log().find("kept the running queues: " + queues +
                                      ": queues[0].qouta: unknown field"),
      std::string::npos)
      << cluster_.scheduler().Log();
  EXPECT_EQ(nominal(PollQueues([](const nlohmann::json&) { return true; })),
            16);
}

// Polls the scheduler's log until it holds `text`.
bool LogShows(LocalCluster& cluster, const std::string& text) {
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (cluster.scheduler().Log().find(text) == std::string::npos) {
    if (absl::Now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

TEST(CatalogueReloadTest, SighupAddsAKindAndItsQuotaWithoutARestart) {
  LocalCluster cluster;
  const std::string catalogue = cluster.dir() + "/catalogue.yaml";
  const std::string queues = cluster.dir() + "/queues.yaml";
  std::ofstream(catalogue) << "accelerators: []\n";
  std::ofstream(queues) << "queues:\n  - {name: research}\n";
  ASSERT_TRUE(
      cluster.StartScheduler(0, {"--catalogue", catalogue, "--queues", queues})
          .ok());
  const std::string job =
      "name: new-chips\nqueue: research\ntask_groups:\n  - replicas: 1\n"
      "    accelerators: {count: 4, kinds: [acme/x1]}\n"
      "    command: [\"true\"]\n";
  auto refused = cluster.Submit(job);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("acme/x1"), std::string::npos)
      << refused.status();

  // The new kind and a quota of it, which only the new catalogue allows.
  std::ofstream(catalogue) << "accelerators:\n"
                           << "  - {kind: acme/x1, bf16_tflops: 500, "
                           << "memory_gb: 96}\n";
  std::ofstream(queues) << "queues:\n"
                        << "  - {name: research, quota: {acme/x1: 8}}\n";
  const pid_t pid = cluster.scheduler().pid();
  ASSERT_EQ(kill(pid, SIGHUP), 0);
  ASSERT_TRUE(LogShows(cluster, "SIGHUP: reloaded the catalogue ("))
      << cluster.scheduler().Log();
  EXPECT_TRUE(LogShows(cluster, "reloaded 1 queues from " + queues));
  auto accepted = cluster.Submit(job);
  EXPECT_TRUE(accepted.ok()) << accepted.status();

  // A catalogue that does not load changes neither file's settings.
  std::ofstream(catalogue) << "accelerators:\n  - {kind: acme/x1, tflops: 1}\n";
  ASSERT_EQ(kill(pid, SIGHUP), 0);
  EXPECT_TRUE(LogShows(
      cluster, "SIGHUP: kept the running catalogue and queues: " + catalogue +
                   ": accelerators[0].tflops: unknown field"))
      << cluster.scheduler().Log();
  EXPECT_TRUE(cluster.Submit(job).ok());
  EXPECT_EQ(cluster.scheduler().pid(), pid);
}

}  // namespace
}  // namespace hetsched::testing
