// Mutual TLS end to end: a scheduler, an agent and the CLI that all hold
// certificates from one CA run a job and read its log through the
// scheduler's proxy; a client without a certificate gets nothing; users
// are who their certificates say and act only on their own jobs.
#include <cstdlib>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/integration/local_cluster.h"

namespace hetsched::testing {
namespace {

class MutualTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    certs_ = cluster_.dir() + "/certs";
    ASSERT_EQ(
        std::system(absl::StrCat("bash ", HETSCHED_MAKE_TEST_CERTS, " ", certs_)
                        .c_str()),
        0);
    cluster_.UseTls(certs_ + "/ca.pem", certs_ + "/node.pem",
                    certs_ + "/node.key");
    // The cluster's own calls use the node certificate: an admin.
    ASSERT_TRUE(
        cluster_.StartScheduler(0, {"--tls-admins", "hetsched-node"}).ok());
    ASSERT_TRUE(cluster_.StartAgent({"h100-0", "nvidia/h100", 8, "us-a"}).ok());
    ASSERT_TRUE(cluster_.WaitForReadyNodes(1).ok());
  }

  // The CLI as `user` (alice, bob): that user's certificate and key.
  CommandResult As(const std::string& user, std::vector<std::string> args) {
    std::vector<std::string> argv = {
        HETSCHED_CLI_BIN,
        "--scheduler",
        absl::StrCat("127.0.0.1:", cluster_.scheduler_port()),
        "--tls-ca",
        certs_ + "/ca.pem",
        "--tls-cert",
        certs_ + "/" + user + ".pem",
        "--tls-key",
        certs_ + "/" + user + ".key"};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv);
  }

  std::string certs_;
  LocalCluster cluster_;
};

TEST_F(MutualTlsTest, CertifiedPartsRunAJobAndPlaintextClientsAreRefused) {
  auto id = cluster_.Submit(
      "name: tls\ntask_groups:\n  - replicas: 1\n"
      "    accelerators: {count: 8, kinds: [nvidia/h100]}\n"
      "    command: [\"sh\", \"-c\", \"echo over tls\"]\n");
  ASSERT_TRUE(id.ok()) << id.status();
  auto job =
      cluster_.WaitForJob(*id, {v1::JOB_STATE_SUCCEEDED, v1::JOB_STATE_FAILED});
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->state(), v1::JOB_STATE_SUCCEEDED);
  // The log comes from the agent's log service, through the scheduler.
  CommandResult logs = cluster_.Cli({"logs", *id});
  EXPECT_EQ(logs.exit_code, 0) << logs.err;
  EXPECT_EQ(logs.out, "over tls\n");

  const std::string address =
      absl::StrCat("127.0.0.1:", cluster_.scheduler_port());
  CommandResult plaintext = RunCommand(
      {HETSCHED_CLI_BIN, "--scheduler", address, "--timeout-s", "2", "jobs"});
  EXPECT_EQ(plaintext.exit_code, 1) << plaintext.out;
  EXPECT_EQ(plaintext.out, "");

  CommandResult half = RunCommand({HETSCHED_CLI_BIN, "--scheduler", address,
                                   "--tls-ca", certs_ + "/ca.pem", "jobs"});
  EXPECT_EQ(half.exit_code, 2);
  EXPECT_NE(half.err.find("--tls-cert: required"), std::string::npos)
      << half.err;
}

TEST_F(MutualTlsTest, UsersOwnTheirJobsAndOnlyAdminsChangeNodes) {
  const std::string spec = cluster_.dir() + "/sleep.yaml";
  std::ofstream(spec) << "name: mine\nowner: someone-else\ntask_groups:\n"
                      << "  - replicas: 1\n    command: [\"sleep\", \"600\"]\n";
  CommandResult submitted = As("alice", {"submit", spec});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  const std::string id = submitted.out.substr(0, submitted.out.find('\n'));
  // The certificate, not the spec, says who owns it.
  EXPECT_EQ(cluster_.GetJob(id)->spec().owner(), "alice");

  CommandResult bob_cancel = As("bob", {"cancel", id});
  EXPECT_EQ(bob_cancel.exit_code, 1);
  EXPECT_NE(bob_cancel.err.find("belongs to 'alice'"), std::string::npos)
      << bob_cancel.err;
  CommandResult bob_drain = As("bob", {"drain", "h100-0"});
  EXPECT_EQ(bob_drain.exit_code, 1);
  EXPECT_NE(bob_drain.err.find("only an admin (--tls-admins) may drain "
                               "nodes; you are 'bob'"),
            std::string::npos)
      << bob_drain.err;

  EXPECT_EQ(As("alice", {"cancel", id}).exit_code, 0);
  EXPECT_EQ(cluster_.Cli({"drain", "h100-0"}).exit_code, 0);  // an admin
}

}  // namespace
}  // namespace hetsched::testing
