#include "agent/sim_timer.h"

#include <atomic>
#include <mutex>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/clock.h"
#include "agent/test_util.h"

namespace hetsched::agent {
namespace {

using ::testing::ElementsAre;
using testing::PollUntil;

TEST(SimTimerTest, RunsCallbacksInDeadlineOrder) {
  SimTimer timer;
  std::mutex mu;
  std::vector<int> order;
  auto record = [&](int n) {
    return [&, n] {
      std::lock_guard<std::mutex> lock(mu);
      order.push_back(n);
    };
  };
  const absl::Time base = absl::Now() + absl::Milliseconds(50);
  timer.At(base + absl::Milliseconds(20), record(3));
  timer.At(base, record(1));
  timer.At(base + absl::Milliseconds(10), record(2));
  ASSERT_TRUE(PollUntil([&] {
    std::lock_guard<std::mutex> lock(mu);
    return order.size() == 3;
  }));
  EXPECT_THAT(order, ElementsAre(1, 2, 3));
}

TEST(SimTimerTest, CancelledCallbackNeverRuns) {
  SimTimer timer;
  std::atomic<bool> cancelled_ran{false};
  std::atomic<bool> later_ran{false};
  const SimTimer::Id id =
      timer.After(absl::Milliseconds(30), [&] { cancelled_ran = true; });
  EXPECT_TRUE(timer.Cancel(id));
  EXPECT_FALSE(timer.Cancel(id));
  timer.After(absl::Milliseconds(60), [&] { later_ran = true; });
  ASSERT_TRUE(PollUntil([&] { return later_ran.load(); }));
  EXPECT_FALSE(cancelled_ran.load());
}

TEST(SimTimerTest, CallbackMayScheduleAnother) {
  SimTimer timer;
  std::atomic<int> runs{0};
  std::function<void()> again = [&] {
    if (++runs < 3) timer.After(absl::ZeroDuration(), again);
  };
  timer.After(absl::ZeroDuration(), again);
  ASSERT_TRUE(PollUntil([&] { return runs.load() == 3; }));
}

TEST(SimTimerTest, StopDropsPendingCallbacks) {
  std::atomic<bool> ran{false};
  SimTimer timer;
  timer.After(absl::Hours(1), [&] { ran = true; });
  EXPECT_EQ(timer.pending(), 1u);
  timer.Stop();
  EXPECT_EQ(timer.pending(), 0u);
  EXPECT_FALSE(ran.load());
}

}  // namespace
}  // namespace hetsched::agent
