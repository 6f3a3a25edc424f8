// Mutual TLS end to end: a scheduler, an agent and the CLI that all hold
// certificates from one CA run a job and read its log through the
// scheduler's proxy; a client without a certificate gets nothing.
#include <cstdlib>

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
    ASSERT_TRUE(cluster_.StartScheduler().ok());
    ASSERT_TRUE(cluster_.StartAgent({"h100-0", "nvidia/h100", 8, "us-a"}).ok());
    ASSERT_TRUE(cluster_.WaitForReadyNodes(1).ok());
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

}  // namespace
}  // namespace hetsched::testing
