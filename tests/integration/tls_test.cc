// Mutual TLS end to end: a scheduler, an agent and the CLI that all hold
// certificates from one CA run a job and read its log through the
// scheduler's proxy; a client without a certificate gets nothing; users
// are who their certificates say and act only on their own jobs.
#include <cstdlib>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/tls.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "hetsched/v1/agent.grpc.pb.h"
#include "tests/integration/local_cluster.h"

namespace hetsched::testing {
namespace {

class MutualTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    certs_ = cluster_.dir() + "/certs";
    ASSERT_EQ(std::system(absl::StrCat("bash ", HETSCHED_MAKE_TEST_CERTS, " ",
                                       certs_, " h100-0 h100-1")
                              .c_str()),
              0);
    cluster_.UseTls(certs_);
    // The cluster's own calls use the admin certificate.
    ASSERT_TRUE(cluster_.StartScheduler(0, {"--tls-admins", "admin"}).ok());
    ASSERT_TRUE(cluster_.StartAgent({"h100-0", "nvidia/h100", 8, "us-a"}).ok());
    ASSERT_TRUE(cluster_.WaitForReadyNodes(1).ok());
  }

  // Client credentials for certs_/IDENTITY.pem.
  std::shared_ptr<grpc::ChannelCredentials> Credentials(
      const std::string& identity) {
    auto tls = LoadTlsCredentials({certs_ + "/ca.pem",
                                   certs_ + "/" + identity + ".pem",
                                   certs_ + "/" + identity + ".key"});
    EXPECT_TRUE(tls.ok()) << tls.status();
    return tls.ok() ? tls->channel : nullptr;
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

  CommandResult bob_delete = As("bob", {"node", "delete", "h100-0"});
  EXPECT_EQ(bob_delete.exit_code, 1);
  EXPECT_NE(bob_delete.err.find("only an admin (--tls-admins) may delete "
                                "nodes; you are 'bob'"),
            std::string::npos)
      << bob_delete.err;

  EXPECT_EQ(As("alice", {"cancel", id}).exit_code, 0);
  EXPECT_EQ(cluster_.Cli({"drain", "h100-0"}).exit_code, 0);  // an admin
  // Even an admin cannot forget a node whose agent is connected.
  CommandResult connected = cluster_.Cli({"node", "delete", "h100-0"});
  EXPECT_EQ(connected.exit_code, 1);
  EXPECT_NE(connected.err.find("is connected"), std::string::npos)
      << connected.err;

  // Decommissioned: its agent stopped (the cancelled job's replica ended),
  // the admin forgets it.
  ASSERT_TRUE(cluster_.WaitForJob(id, {v1::JOB_STATE_CANCELLED}).ok());
  cluster_.agent("h100-0").Stop();
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  CommandResult deleted;
  while ((deleted = cluster_.Cli({"node", "delete", "h100-0"})).exit_code !=
             0 &&
         absl::Now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // poll
  }
  EXPECT_EQ(deleted.exit_code, 0) << deleted.err;
  EXPECT_EQ(deleted.out, "node h100-0: deleted\n");
  EXPECT_EQ(cluster_.Cli({"nodes"}).out.find("h100-0"), std::string::npos);
}

TEST_F(MutualTlsTest, OnlyTheOwnerAdminsAndReadersSeeAJobsDetails) {
  const std::string spec = cluster_.dir() + "/secret.yaml";
  std::ofstream(spec) << "name: secret\ntask_groups:\n  - replicas: 1\n"
                      << "    accelerators: {count: 1, kinds: [nvidia/h100]}\n"
                      << "    command: [\"sh\", \"-c\", \"echo $TOKEN\"]\n"
                      << "    env: {TOKEN: hunter2}\n";
  CommandResult submitted = As("alice", {"submit", spec});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  const std::string id = submitted.out.substr(0, submitted.out.find('\n'));
  ASSERT_TRUE(cluster_.WaitForJob(id, {v1::JOB_STATE_SUCCEEDED}).ok());

  EXPECT_EQ(As("alice", {"logs", id}).out, "hunter2\n");
  for (const std::vector<std::string>& verb :
       {std::vector<std::string>{"logs", id},
        std::vector<std::string>{"job", "describe", id}}) {
    CommandResult bob = As("bob", verb);
    EXPECT_EQ(bob.exit_code, 1) << verb[0];
    EXPECT_EQ(bob.out.find("hunter2"), std::string::npos) << bob.out;
    EXPECT_NE(bob.err.find("only its owner, an admin (--tls-admins) or a "
                           "reader (--tls-readers) may"),
              std::string::npos)
        << bob.err;
    EXPECT_NE(bob.err.find("you are 'bob'"), std::string::npos) << bob.err;
  }
  // Listed for everyone, but another user's environment values are hidden.
  CommandResult listed = As("bob", {"jobs", "--all", "-o", "json"});
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find(id), std::string::npos);
  EXPECT_EQ(listed.out.find("hunter2"), std::string::npos) << listed.out;
  auto bob_channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", cluster_.scheduler_port()),
                          Credentials("bob"));
  grpc::ClientContext ctx;
  v1::ListJobsRequest full;
  full.set_view(v1::LIST_VIEW_FULL);
  v1::ListJobsResponse page;
  ASSERT_TRUE(
      v1::JobService::NewStub(bob_channel)->ListJobs(&ctx, full, &page).ok());
  ASSERT_EQ(page.jobs_size(), 1);
  EXPECT_EQ(page.jobs(0).spec().task_groups(0).env().at("TOKEN"), "(hidden)");
  // The admin sees everything.
  EXPECT_EQ(cluster_.Cli({"logs", id}).out, "hunter2\n");
}

// An impostor on the agent channel: a user's certificate, or another
// node's, trying to register as the connected node h100-0.
TEST_F(MutualTlsTest, OnlyANodesOwnCertificateSpeaksForIt) {
  for (const auto& [identity, message] :
       {std::pair<std::string, std::string>{
            "alice", "AgentService is only for node certificates"},
        {"node-h100-1",
         "register: node.name 'h100-0' is not this certificate's node "
         "'h100-1'"}}) {
    auto channel = grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", cluster_.scheduler_port()),
        Credentials(identity));
    auto stub = v1::AgentService::NewStub(channel);
    grpc::ClientContext ctx;
    auto stream = stub->Connect(&ctx);
    v1::AgentMessage hello;
    hello.mutable_register_()->mutable_node()->set_name("h100-0");
    stream->Write(hello);
    stream->WritesDone();
    v1::SchedulerMessage answer;
    EXPECT_FALSE(stream->Read(&answer)) << identity;
    grpc::Status status = stream->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
        << identity << ": " << status.error_message();
    EXPECT_NE(status.error_message().find(message), std::string::npos)
        << status.error_message();
  }
  // The real node kept its stream.
  grpc::ClientContext ctx;
  v1::GetNodeRequest get;
  get.set_name("h100-0");
  v1::Node node;
  ASSERT_TRUE(cluster_.nodes().GetNode(&ctx, get, &node).ok());
  EXPECT_TRUE(node.connected());
  EXPECT_EQ(node.state(), v1::NODE_STATE_READY);
  EXPECT_NE(cluster_.scheduler().Log().find(
                "\"audit\":\"agent.connect\",\"caller\":\"alice\""),
            std::string::npos)
      << cluster_.scheduler().Log();
}

// Workdir archives: any user may upload one (as any user may submit), but
// only node certificates may fetch one back.
TEST_F(MutualTlsTest, UsersUploadWorkdirsAndOnlyNodesFetchThem) {
  const auto channel_for = [&](const std::string& identity) {
    return grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", cluster_.scheduler_port()),
        Credentials(identity));
  };
  auto jobs = v1::JobService::NewStub(channel_for("alice"));
  grpc::ClientContext upload_ctx;
  v1::WorkdirRef ref;
  auto writer = jobs->UploadWorkdir(&upload_ctx, &ref);
  v1::WorkdirChunk chunk;
  chunk.set_data("not really a tar.gz, but bytes all the same");
  ASSERT_TRUE(writer->Write(chunk));
  writer->WritesDone();
  ASSERT_TRUE(writer->Finish().ok());
  ASSERT_EQ(ref.sha256().size(), 64u);

  for (const auto& [identity, code] :
       {std::pair<std::string, grpc::StatusCode>{
            "alice", grpc::StatusCode::PERMISSION_DENIED},
        {"node-h100-1", grpc::StatusCode::OK}}) {
    auto agents = v1::AgentService::NewStub(channel_for(identity));
    grpc::ClientContext ctx;
    v1::FetchWorkdirRequest request;
    request.set_sha256(ref.sha256());
    auto reader = agents->FetchWorkdir(&ctx, request);
    std::string bytes;
    v1::WorkdirChunk got;
    while (reader->Read(&got)) bytes += got.data();
    grpc::Status status = reader->Finish();
    EXPECT_EQ(status.error_code(), code)
        << identity << ": " << status.error_message();
    if (code == grpc::StatusCode::OK) EXPECT_EQ(bytes, chunk.data());
  }
}

// A node may report only its own tasks: h100-1's certificate, registered
// as itself, cannot finish a task that runs on h100-0.
TEST_F(MutualTlsTest, ANodeCannotReportAnotherNodesTask) {
  auto id = cluster_.Submit(
      "name: long\ntask_groups:\n  - replicas: 1\n"
      "    accelerators: {count: 8, kinds: [nvidia/h100]}\n"
      "    command: [\"sleep\", \"600\"]\n");
  ASSERT_TRUE(id.ok()) << id.status();
  auto running = cluster_.WaitForJob(*id, {v1::JOB_STATE_RUNNING});
  ASSERT_TRUE(running.ok()) << running.status();
  // The job runs once placed; its task, once the agent says it started.
  const absl::Time started_by = absl::Now() + absl::Seconds(30);
  while (running->tasks(0).state() != v1::TASK_STATE_RUNNING &&
         absl::Now() < started_by) {
    absl::SleepFor(absl::Milliseconds(20));
    running = cluster_.GetJob(*id);
    ASSERT_TRUE(running.ok()) << running.status();
  }
  ASSERT_EQ(running->tasks(0).state(), v1::TASK_STATE_RUNNING);
  ASSERT_EQ(running->tasks(0).node(), "h100-0");

  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", cluster_.scheduler_port()),
                          Credentials("node-h100-1"));
  auto stub = v1::AgentService::NewStub(channel);
  grpc::ClientContext ctx;
  auto stream = stub->Connect(&ctx);
  v1::AgentMessage hello;
  hello.mutable_register_()->mutable_node()->set_name("h100-1");
  ASSERT_TRUE(stream->Write(hello));
  v1::SchedulerMessage answer;
  ASSERT_TRUE(stream->Read(&answer));
  ASSERT_TRUE(answer.has_registered());
  v1::AgentMessage forged;
  forged.mutable_task_status()->set_job_id(*id);
  forged.mutable_task_status()->set_task_id(running->tasks(0).id());
  forged.mutable_task_status()->set_state(v1::TASK_STATE_SUCCEEDED);
  ASSERT_TRUE(stream->Write(forged));
  // A heartbeat after the forgery: its answer proves the forgery was
  // handled (one agent's messages are handled in order).
  v1::AgentMessage beat;
  beat.mutable_heartbeat()->set_sent_ms(42);
  ASSERT_TRUE(stream->Write(beat));
  while (stream->Read(&answer) && !answer.has_heartbeat_ack()) {
  }
  EXPECT_EQ(answer.heartbeat_ack().sent_ms(), 42);
  EXPECT_EQ(cluster_.GetJob(*id)->state(), v1::JOB_STATE_RUNNING);
  EXPECT_EQ(cluster_.GetJob(*id)->tasks(0).state(), v1::TASK_STATE_RUNNING);
  ctx.TryCancel();
}

}  // namespace
}  // namespace hetsched::testing
