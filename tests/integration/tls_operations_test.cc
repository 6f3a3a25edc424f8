// Running under mutual TLS the way an operator does: probes reach a
// plaintext health port that serves nothing else, and certificates
// rotated on disk take effect without a restart.
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/tls.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/integration/local_cluster.h"

namespace hetsched::testing {
namespace {

// The HOST:PORT of "PROGRAM health on HOST:PORT".
std::string HealthAddress(const ChildProcess& daemon,
                          const std::string& program = "hetsched-scheduler") {
  const std::string out = daemon.Stdout();
  const std::string marker = program + " health on ";
  const size_t at = out.find(marker);
  if (at == std::string::npos) return "";
  const size_t end = out.find('\n', at);
  return out.substr(at + marker.size(), end - at - marker.size());
}

// grpc.health.v1.Health/Check for the whole server over `channel`, as a
// kubelet's grpc probe asks it: the status number (1 SERVING, 2
// NOT_SERVING), or -1 with the call's error. Debian ships no generated
// health stubs; the messages are one varint, so raw bytes do.
int HealthStatus(const std::shared_ptr<grpc::Channel>& channel,
                 std::string* error) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  grpc::Slice empty;  // HealthCheckRequest{service: ""}
  grpc::ByteBuffer request(&empty, 1);
  grpc::ByteBuffer response;
  absl::Notification done;
  grpc::Status status;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", {}, &request,
                 &response, [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  done.WaitForNotification();
  if (!status.ok()) {
    *error = status.error_message();
    return -1;
  }
  std::vector<grpc::Slice> slices;
  (void)response.Dump(&slices);
  std::string bytes;
  for (const auto& s : slices) {
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  // Field 1 (status), varint: 0x08 then the value; absent means 0.
  return bytes.size() == 2 && bytes[0] == 0x08 ? bytes[1] : 0;
}

class TlsOperationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    certs_ = cluster_.dir() + "/certs";
    ASSERT_EQ(std::system(absl::StrCat("bash ", HETSCHED_MAKE_TEST_CERTS, " ",
                                       certs_, " h100-0")
                              .c_str()),
              0);
    cluster_.UseTls(certs_);
  }

  std::string certs_;
  LocalCluster cluster_;
};

TEST_F(TlsOperationsTest, ProbesGetHealthInPlaintextAndNothingElse) {
  ASSERT_TRUE(cluster_
                  .StartScheduler(0, {"--tls-admins", "admin",
                                      "--health-listen", "127.0.0.1:0"})
                  .ok());
  const std::string health = HealthAddress(cluster_.scheduler());
  ASSERT_FALSE(health.empty()) << cluster_.scheduler().Log();

  auto plaintext =
      grpc::CreateChannel(health, grpc::InsecureChannelCredentials());
  std::string error;
  EXPECT_EQ(HealthStatus(plaintext, &error), 1) << error;

  // The health port is no way around the certificates: it has no API.
  auto jobs = v1::JobService::NewStub(plaintext);
  grpc::ClientContext list_context;
  list_context.set_deadline(
      absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  v1::ListJobsResponse listed;
  EXPECT_EQ(jobs->ListJobs(&list_context, {}, &listed).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
  // And the API port still wants a certificate.
  auto api = v1::JobService::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", cluster_.scheduler_port()),
                          grpc::InsecureChannelCredentials()));
  grpc::ClientContext api_context;
  api_context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  EXPECT_FALSE(api->ListJobs(&api_context, {}, &listed).ok());
}

TEST_F(TlsOperationsTest, AnAgentsHealthPortServesProbesToo) {
  ASSERT_TRUE(cluster_.StartScheduler(0, {"--tls-admins", "admin"}).ok());
  HostSpec host{"h100-0", "nvidia/h100", 8, "us-a"};
  host.agent_flags = {"--health-listen", "127.0.0.1:0"};
  absl::Status started = cluster_.StartAgent(host);
  ASSERT_TRUE(started.ok()) << started;
  const std::string health =
      HealthAddress(cluster_.agent("h100-0"), "hetsched-agent");
  ASSERT_FALSE(health.empty()) << cluster_.agent("h100-0").Log();
  std::string error;
  EXPECT_EQ(HealthStatus(
                grpc::CreateChannel(health, grpc::InsecureChannelCredentials()),
                &error),
            1)
      << error;
}

TEST_F(TlsOperationsTest, AHealthPortInUseIsAStartUpError) {
  ASSERT_TRUE(cluster_
                  .StartScheduler(0, {"--tls-admins", "admin",
                                      "--health-listen", "127.0.0.1:0"})
                  .ok());
  const std::string taken = HealthAddress(cluster_.scheduler());
  ASSERT_FALSE(taken.empty());
  CommandResult second = RunCommand(
      {HETSCHED_SCHEDULER_BIN, "--listen", "127.0.0.1:0", "--data-dir",
       cluster_.dir() + "/second", "--health-listen", taken, "--tls-ca",
       certs_ + "/ca.pem", "--tls-cert", certs_ + "/scheduler.pem", "--tls-key",
       certs_ + "/scheduler.key"});
  EXPECT_EQ(second.exit_code, 2) << second.out << second.err;
  EXPECT_NE(second.err.find("--health-listen " + taken + ": cannot bind"),
            std::string::npos)
      << second.err;
}

// ListJobs as `identity` from `dir`'s CA and certificates; the status.
grpc::Status ListAs(const std::string& dir, const std::string& identity,
                    int port) {
  auto tls = LoadTlsCredentials({dir + "/ca.pem", dir + "/" + identity + ".pem",
                                 dir + "/" + identity + ".key"});
  if (!tls.ok()) {
    return grpc::Status(grpc::StatusCode::INTERNAL,
                        std::string(tls.status().message()));
  }
  auto jobs = v1::JobService::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), tls->channel));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  v1::ListJobsResponse listed;
  return jobs->ListJobs(&context, {}, &listed);
}

TEST_F(TlsOperationsTest, RotatedCertificatesServeWithoutARestart) {
  ASSERT_TRUE(cluster_
                  .StartScheduler(0, {"--tls-admins", "admin",
                                      "--tls-reload-interval-s", "1"})
                  .ok());
  const pid_t pid = cluster_.scheduler().pid();
  const int port = cluster_.scheduler_port();
  ASSERT_TRUE(ListAs(certs_, "admin", port).ok());

  // A new CA and everything it signs: what a rotation (or a CA roll-over
  // in an emergency) puts on disk.
  const std::string fresh = cluster_.dir() + "/fresh";
  ASSERT_EQ(std::system(absl::StrCat("bash ", HETSCHED_MAKE_TEST_CERTS, " ",
                                     fresh, " h100-0")
                            .c_str()),
            0);
  EXPECT_FALSE(ListAs(fresh, "admin", port).ok());
  // Each file replaced by a rename, as a Secret volume or cert-manager does.
  for (const char* file : {"ca.pem", "scheduler.pem", "scheduler.key"}) {
    const std::string staged = certs_ + "/" + file + ".new";
    ASSERT_EQ(
        std::system(absl::StrCat("cp ", fresh, "/", file, " ", staged,
                                 " && mv ", staged, " ", certs_, "/", file)
                        .c_str()),
        0);
  }
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  grpc::Status now = ListAs(fresh, "admin", port);
  while (!now.ok() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(200));
    now = ListAs(fresh, "admin", port);
  }
  EXPECT_TRUE(now.ok()) << now.error_message();
  // A certificate of the old CA (certs_/admin.pem, still on disk) is no
  // longer trusted, and the scheduler is the same process.
  EXPECT_FALSE(ListAs(certs_, "admin", port).ok());
  EXPECT_EQ(cluster_.scheduler().pid(), pid);
}

}  // namespace
}  // namespace hetsched::testing
