// The daemons speak systemd's notification protocol (Type=notify units):
// READY=1 once they serve, STOPPING=1 on SIGTERM, received here on a
// NOTIFY_SOCKET of the test's own, as systemd would.
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/integration/local_cluster.h"

namespace hetsched::testing {
namespace {

class ServiceNotifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = cluster_.dir() + "/notify";
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd_, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    ASSERT_LT(path_.size(), sizeof(addr.sun_path));
    std::strncpy(addr.sun_path, path_.c_str(), sizeof(addr.sun_path) - 1);
    ASSERT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    timeval timeout{30, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    setenv("NOTIFY_SOCKET", path_.c_str(), 1);  // inherited by the daemons
  }
  void TearDown() override {
    unsetenv("NOTIFY_SOCKET");
    close(fd_);
  }

  std::string Receive() {
    char buffer[512];
    const ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
    return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : "";
  }

  LocalCluster cluster_;
  std::string path_;
  int fd_ = -1;
};

TEST_F(ServiceNotifyTest, SchedulerAndAgentSayReadyOnceServingAndStopping) {
  ASSERT_TRUE(cluster_.StartScheduler().ok());
  EXPECT_EQ(Receive(), absl::StrCat("READY=1\nSTATUS=serving on port ",
                                    cluster_.scheduler_port(), " (SQLite)"));
  ASSERT_TRUE(cluster_.StartAgent({"notify-host", "nvidia/h100", 2}).ok());
  const std::string agent = Receive();
  EXPECT_EQ(agent.rfind("READY=1\nSTATUS=node notify-host: 2 accelerators", 0),
            0u)
      << agent;
  cluster_.agent("notify-host").Stop();
  EXPECT_EQ(Receive().rfind("STOPPING=1", 0), 0u);
  cluster_.scheduler().Stop();
  EXPECT_EQ(Receive(), "STOPPING=1\nSTATUS=shutting down");
}

}  // namespace
}  // namespace hetsched::testing
