#include "agent/lease_fence.h"

#include <gtest/gtest.h>

namespace hetsched::agent {
namespace {

struct World {
  absl::Duration lease = absl::Seconds(20);
  absl::Duration silent = absl::ZeroDuration();
  int fences = 0;
  LeaseFence::Sources Sources() {
    return {[this] { return lease; }, [this] { return silent; },
            [this](absl::Duration, absl::Duration) { ++fences; }};
  }
};

TEST(LeaseFenceTest, FencesOnceWhenSilentForLongerThanTheLease) {
  World w;
  LeaseFence fence(w.Sources());
  w.silent = absl::Seconds(19);
  EXPECT_FALSE(fence.Check());
  w.silent = absl::Seconds(21);
  EXPECT_TRUE(fence.Check());
  w.silent = absl::Seconds(40);
  EXPECT_FALSE(fence.Check());  // already fenced for this silence
  EXPECT_EQ(w.fences, 1);
}

TEST(LeaseFenceTest, HearingTheSchedulerAgainReArmsIt) {
  World w;
  LeaseFence fence(w.Sources());
  w.silent = absl::Seconds(25);
  EXPECT_TRUE(fence.Check());
  w.silent = absl::Seconds(1);  // reconnected
  EXPECT_FALSE(fence.Check());
  w.silent = absl::Seconds(25);
  EXPECT_TRUE(fence.Check());
  EXPECT_EQ(w.fences, 2);
}

TEST(LeaseFenceTest, NoLeaseNeverFences) {
  // Before the first registration, or from a scheduler that gives none.
  World w;
  w.lease = absl::ZeroDuration();
  w.silent = absl::Hours(1);
  LeaseFence fence(w.Sources());
  EXPECT_FALSE(fence.Check());
  EXPECT_EQ(w.fences, 0);
}

}  // namespace
}  // namespace hetsched::agent
