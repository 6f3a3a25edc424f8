// The scheduler refuses to start on a bad configuration with a message
// naming the file or flag and exit code 2, never a crash or a silent
// start: a corrupt or truncated store, a data dir that is a file, bad
// queue files, a port already in use, plaintext on a public address.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/integration/local_cluster.h"

namespace hetsched::testing {
namespace {

class StartupErrorsTest : public ::testing::Test {
 protected:
  // The scheduler with `flags`, given 20 s to fail (a scheduler that
  // wrongly starts is killed by timeout, exit 124).
  CommandResult Scheduler(const std::vector<std::string>& flags) {
    std::vector<std::string> argv = {"/usr/bin/timeout", "20",
                                     HETSCHED_SCHEDULER_BIN, "--listen",
                                     "127.0.0.1:0"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    return RunCommand(argv);
  }
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = cluster_.dir() + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  void ExpectRefused(const CommandResult& r, const std::string& message) {
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find("listening on"), std::string::npos) << r.out;
  }

  LocalCluster cluster_;  // only for its temp dir and a live scheduler
};

// A free loopback port (bound, read, closed: nothing else takes it in the
// moment before the scheduler binds it).
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return 0;
  }
  close(fd);
  return ntohs(addr.sin_port);
}

bool Accepts(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok =
      connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

TEST_F(StartupErrorsTest, ASighupWhileStartingIsAppliedOnceServing) {
  // The health port is bound before the store is recovered: a SIGHUP sent
  // as soon as it answers reaches a scheduler that is still starting.
  const int health = FreePort();
  ASSERT_NE(health, 0);
  auto scheduler = ChildProcess::Start(
      {HETSCHED_SCHEDULER_BIN, "--listen", "127.0.0.1:0", "--data-dir",
       cluster_.dir() + "/hup", "--health-listen",
       absl::StrCat("127.0.0.1:", health)},
      cluster_.dir() + "/hup.log");
  ASSERT_TRUE(scheduler.ok()) << scheduler.status();
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (!Accepts(health) && absl::Now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(kill((*scheduler)->pid(), SIGHUP), 0);
  ASSERT_TRUE((*scheduler)->WaitForListenAddress(absl::Seconds(20)).ok())
      << (*scheduler)->Log();
  while ((*scheduler)->Log().find("SIGHUP: no --queues or --catalogue file") ==
             std::string::npos &&
         absl::Now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_NE((*scheduler)->Log().find("SIGHUP: no --queues or --catalogue file"),
            std::string::npos)
      << (*scheduler)->Log();
  EXPECT_EQ((*scheduler)->Stop(), 0);
}

TEST_F(StartupErrorsTest, CorruptOrTruncatedStoreIsNamed) {
  const std::string corrupt = cluster_.dir() + "/corrupt";
  ASSERT_EQ(std::system(("mkdir -p " + corrupt).c_str()), 0);
  Write("corrupt/hetsched.db", std::string(8192, 'x'));
  ExpectRefused(Scheduler({"--data-dir", corrupt}),
                absl::StrCat("--data-dir ", corrupt, ": "));

  // A real store cut short mid-page.
  const std::string truncated = cluster_.dir() + "/truncated";
  ASSERT_TRUE(cluster_.StartScheduler().ok());
  cluster_.scheduler().Stop();
  ASSERT_EQ(
      std::system(absl::StrCat("mkdir -p ", truncated, " && head -c 100 ",
                               cluster_.dir(), "/scheduler/hetsched.db > ",
                               truncated, "/hetsched.db")
                      .c_str()),
      0);
  ExpectRefused(Scheduler({"--data-dir", truncated}),
                absl::StrCat("--data-dir ", truncated, ": "));
}

TEST_F(StartupErrorsTest, DataDirThatIsAFile) {
  const std::string file = Write("plain-file", "not a directory");
  ExpectRefused(Scheduler({"--data-dir", file}),
                absl::StrCat("--data-dir ", file, ": "));
}

TEST_F(StartupErrorsTest, BadQueueFilesNameTheField) {
  const std::string data = "--data-dir=" + cluster_.dir() + "/data";
  ExpectRefused(
      Scheduler({data, "--queues",
                 Write("dup.yaml", "queues:\n  - {name: a}\n  - {name: a}\n")}),
      "dup.yaml: queues[1].name: queue 'a' is defined twice");
  ExpectRefused(
      Scheduler({data, "--queues",
                 Write("nan.yaml", "queues:\n  - {name: a, weight: .nan}\n")}),
      "nan.yaml: queues[0].weight");
  ExpectRefused(
      Scheduler({data, "--queues",
                 Write("typo.yaml", "queues:\n  - {name: a, weigth: 2}\n")}),
      "typo.yaml: queues[0].weigth: unknown field");
  ExpectRefused(
      Scheduler(
          {data, "--catalogue",
           Write("cat.yaml", "accelerators:\n  - {kind: x/y, qouta: 1}\n")}),
      "cat.yaml: accelerators[0].qouta: unknown field");
}

TEST_F(StartupErrorsTest, PortInUseFails) {
  ASSERT_TRUE(cluster_.StartScheduler().ok());
  CommandResult second =
      RunCommand({"/usr/bin/timeout", "20", HETSCHED_SCHEDULER_BIN, "--listen",
                  absl::StrCat("127.0.0.1:", cluster_.scheduler_port()),
                  "--data-dir", cluster_.dir() + "/second"});
  ExpectRefused(second, "cannot bind");
}

TEST_F(StartupErrorsTest, PlaintextOnAPublicAddressNeedsTheOperatorsWord) {
  const std::string data = "--data-dir=" + cluster_.dir() + "/data";
  CommandResult refused =
      RunCommand({"/usr/bin/timeout", "20", HETSCHED_SCHEDULER_BIN, "--listen",
                  "0.0.0.0:0", data});
  ExpectRefused(refused, "--listen: 0.0.0.0:0 is reachable from other hosts");
  EXPECT_NE(refused.err.find("--insecure-allow-plaintext"), std::string::npos);

  auto allowed =
      ChildProcess::Start({HETSCHED_SCHEDULER_BIN, "--listen", "0.0.0.0:0",
                           data, "--insecure-allow-plaintext"},
                          cluster_.dir() + "/allowed.log");
  ASSERT_TRUE(allowed.ok()) << allowed.status();
  ASSERT_TRUE((*allowed)->WaitForListenAddress(absl::Seconds(20)).ok());
  EXPECT_NE((*allowed)->Log().find(
                "WARN hetsched-scheduler: serving plaintext on 0.0.0.0:0"),
            std::string::npos)
      << (*allowed)->Log();
  EXPECT_EQ((*allowed)->Stop(), 0);
}

TEST_F(StartupErrorsTest, EtcdFlagsAreCheckedBeforeServing) {
  ExpectRefused(Scheduler({"--store", "etcd"}),
                "--etcd-endpoints: required with --store etcd");
  ExpectRefused(Scheduler({"--store", "etcd", "--etcd-endpoints",
                           "127.0.0.1:2379,etcd-1"}),
                "--etcd-endpoints: \"etcd-1\" is not HOST:PORT");
  ExpectRefused(Scheduler({"--store", "etcd", "--etcd-endpoints",
                           "127.0.0.1:2379", "--etcd-ca", "/nonexistent"}),
                "--etcd-cert: required with the other --etcd-* flags");
  ExpectRefused(Scheduler({"--etcd-endpoints", "127.0.0.1:2379"}),
                "--etcd-endpoints: needs --store etcd");
  ExpectRefused(Scheduler({"--retain-finished", "a week"}),
                "--retain-finished: must be a duration");
  CommandResult bad_store = Scheduler({"--store", "zookeeper"});
  EXPECT_EQ(bad_store.exit_code, 2) << bad_store.err;
  EXPECT_NE(bad_store.err.find("--store"), std::string::npos) << bad_store.err;
}

}  // namespace
}  // namespace hetsched::testing
