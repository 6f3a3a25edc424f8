#include "common/signal_names.h"

#include <csignal>

#include "gtest/gtest.h"

namespace hetsched {
namespace {

TEST(SignalNamesTest, AllowedSignalsByAnySpellingAndNoOthers) {
  EXPECT_EQ(AllowedSignal("USR1"), SIGUSR1);
  EXPECT_EQ(AllowedSignal("sigusr2"), SIGUSR2);
  EXPECT_EQ(AllowedSignal("SIGCONT"), SIGCONT);
  EXPECT_EQ(AllowedSignal("KILL"), std::nullopt);  // cancel does that
  EXPECT_EQ(AllowedSignal("9"), std::nullopt);
  EXPECT_EQ(AllowedSignal(""), std::nullopt);
  EXPECT_EQ(SignalName(SIGUSR1), "SIGUSR1");
  EXPECT_NE(AllowedSignalNames().find("USR1"), std::string::npos);
}

}  // namespace
}  // namespace hetsched
