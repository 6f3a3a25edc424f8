// What a task cannot do to its node (issue 13, agent hardening), with the
// real scheduler, agent and supervisor on loopback: output past
// --max-log-bytes is cut with a note while the task and the node carry on,
// and a node whose work dir's disk is nearly full takes no work and says
// why.
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/integration/local_cluster.h"

namespace hetsched::testing {
namespace {

std::string Job(const std::string& script) {
  return absl::StrCat(
      "name: limits\ntask_groups:\n  - name: main\n    replicas: 1\n"
      "    accelerators: {count: 1, kinds: [nvidia/h100]}\n"
      "    command: [\"sh\", \"-c\", \"",
      script, "\"]\n");
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The node as the scheduler lists it, once `done` holds (or the last seen
// when 30 s pass).
v1::Node PollNode(LocalCluster& cluster, const std::string& name,
                  const std::function<bool(const v1::Node&)>& done) {
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  v1::Node node;
  while (absl::Now() < deadline) {
    grpc::ClientContext ctx;
    v1::GetNodeRequest request;
    request.set_name(name);
    if (cluster.nodes().GetNode(&ctx, request, &node).ok() && done(node)) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return node;
}

TEST(AgentLimitsTest, OutputPastTheCapIsCutWithANoteAndTheTaskAndNodeCarryOn) {
  LocalCluster cluster;
  ASSERT_TRUE(cluster.StartScheduler().ok());
  ASSERT_TRUE(
      cluster
          .StartAgent(
              {"h100-0", "nvidia/h100", 8, "", {"--max-log-bytes", "4096"}})
          .ok());
  ASSERT_TRUE(cluster.WaitForReadyNodes(1).ok());
  // 200 kB of output, then its own exit code.
  auto id = cluster.Submit(
      Job("yes 0123456789 | head -c 200000; echo done >&2; exit 0"));
  ASSERT_TRUE(id.ok()) << id.status();
  auto job =
      cluster.WaitForJob(*id, {v1::JOB_STATE_SUCCEEDED, v1::JOB_STATE_FAILED});
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->state(), v1::JOB_STATE_SUCCEEDED) << job->message();
  EXPECT_EQ(job->tasks(0).exit_code(), 0);

  const std::string note =
      "[hetsched: output truncated at 4096 bytes; further output discarded]\n";
  const std::string dir = cluster.TaskDir("h100-0", job->tasks(0).id());
  const std::string out = ReadFile(dir + "/stdout");
  EXPECT_EQ(out.size(), 4096 + 1 + note.size());  // cut mid-line: a newline
  EXPECT_EQ(out.substr(out.size() - note.size()), note);
  EXPECT_EQ(ReadFile(dir + "/stderr"), "done\n");
  auto served = cluster.ReadLog(*id, 0);  // through scheduler and agent
  ASSERT_TRUE(served.ok()) << served.status();
  EXPECT_EQ(*served, out);

  v1::Node node =
      PollNode(cluster, "h100-0", [](const v1::Node&) { return true; });
  EXPECT_EQ(node.state(), v1::NODE_STATE_READY) << node.state_reason();
  EXPECT_EQ(node.unhealthy_reason(), "");
}

TEST(AgentLimitsTest, ANodeWhoseDiskIsNearlyFullTakesNoWorkAndSaysWhy) {
  LocalCluster cluster;
  ASSERT_TRUE(cluster.StartScheduler().ok());
  // No disk has an exbibyte free: the node is full from its registration.
  ASSERT_TRUE(
      cluster
          .StartAgent({"h100-0",
                       "nvidia/h100",
                       8,
                       "",
                       {"--min-free-disk-bytes", "1152921504606846976"}})
          .ok());
  v1::Node node = PollNode(cluster, "h100-0", [](const v1::Node& n) {
    return n.state() == v1::NODE_STATE_UNHEALTHY;
  });
  ASSERT_EQ(node.state(), v1::NODE_STATE_UNHEALTHY);
  EXPECT_EQ(node.state_reason().rfind("disk nearly full: ", 0), 0u)
      << node.state_reason();
  EXPECT_NE(node.state_reason().find("below --min-free-disk-bytes"),
            std::string::npos);

  auto id = cluster.Submit(Job("true"));
  ASSERT_TRUE(id.ok()) << id.status();
  // It waits (not infeasible: the node comes back when space does).
  v1::Job job;
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    auto got = cluster.GetJob(*id);
    ASSERT_TRUE(got.ok()) << got.status();
    job = *got;
    if (!job.pending_reason().empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(job.state(), v1::JOB_STATE_PENDING);
  EXPECT_FALSE(job.pending_reason().empty());
  EXPECT_TRUE(job.tasks().empty() || job.tasks(0).node().empty());

  CommandResult nodes = cluster.Cli({"nodes"});
  EXPECT_EQ(nodes.exit_code, 0) << nodes.err;
  EXPECT_NE(nodes.out.find("UNHEALTHY"), std::string::npos) << nodes.out;
  EXPECT_NE(nodes.out.find("disk nearly full"), std::string::npos) << nodes.out;
  CommandResult describe = cluster.Cli({"node", "describe", "h100-0"});
  EXPECT_EQ(describe.exit_code, 0) << describe.err;
  EXPECT_NE(describe.out.find("disk nearly full"), std::string::npos)
      << describe.out;
}

}  // namespace
}  // namespace hetsched::testing
