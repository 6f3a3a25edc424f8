#include "common/service_notify.h"

#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "gtest/gtest.h"

namespace hetsched {
namespace {

// A NOTIFY_SOCKET of our own: what systemd would receive.
class NotifySocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = ::testing::TempDir() + "/notify-" + std::to_string(getpid());
    unlink(path_.c_str());
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd_, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof(addr.sun_path) - 1);
    ASSERT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    setenv("NOTIFY_SOCKET", path_.c_str(), 1);
  }
  void TearDown() override {
    unsetenv("NOTIFY_SOCKET");
    unsetenv("WATCHDOG_USEC");
    close(fd_);
    unlink(path_.c_str());
  }

  std::string Receive() {
    timeval timeout{5, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    char buffer[512];
    const ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
    return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : "";
  }

  std::string path_;
  int fd_ = -1;
};

TEST_F(NotifySocketTest, ReadyAndStoppingReachTheSocketWithTheirStatus) {
  NotifyReady("listening on 127.0.0.1:7070");
  EXPECT_EQ(Receive(), "READY=1\nSTATUS=listening on 127.0.0.1:7070");
  NotifyStopping("shutting down");
  EXPECT_EQ(Receive(), "STOPPING=1\nSTATUS=shutting down");
}

TEST_F(NotifySocketTest, TheWatchdogIsPingedAtHalfItsInterval) {
  setenv("WATCHDOG_USEC", "100000", 1);  // 100 ms: pings every 50 ms
  WatchdogPinger pinger([] { return true; });
  EXPECT_EQ(pinger.interval(), absl::Milliseconds(50));
  EXPECT_EQ(Receive(), "WATCHDOG=1");
}

TEST(WatchdogPingerTest, NoWatchdogAskedMeansNoThreadAndNoPings) {
  unsetenv("WATCHDOG_USEC");
  WatchdogPinger pinger([] { return true; });
  EXPECT_EQ(pinger.interval(), absl::ZeroDuration());
}

}  // namespace
}  // namespace hetsched
