// Per-owner bound on pending jobs (--max-pending-per-owner): one caller
// cannot queue up without end, and a job that starts or is cancelled makes
// room again.
#include "gtest/gtest.h"
#include "scheduler/control/control_plane_fixture.h"
#include "scheduler/store/memory_store.h"

namespace hetsched::control::testing {
namespace {

TEST(ControlPlaneLimitsTest, AnOwnersPendingJobsAreBounded) {
  store::MemoryStore store;
  FakeClock clock{absl::FromUnixSeconds(1000)};
  ControlPlaneOptions options;
  options.max_pending_per_owner = 2;
  auto cp = ControlPlane::Create(options, &store, &clock);
  ASSERT_TRUE(cp.ok()) << cp.status();
  // No node: everything stays pending.
  auto first = (*cp)->SubmitJob(Gang(1, 8));
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE((*cp)->SubmitJob(Gang(1, 8)).ok());
  auto refused = (*cp)->SubmitJob(Gang(1, 8));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(
      refused.status().message().find("owner: ml already has 2 pending jobs"),
      std::string::npos)
      << refused.status();

  v1::JobSpec other = Gang(1, 8);
  other.set_owner("bob");
  EXPECT_TRUE((*cp)->SubmitJob(other).ok());  // per owner

  ASSERT_TRUE((*cp)->CancelJob(*first, "make room").ok());
  EXPECT_TRUE((*cp)->SubmitJob(Gang(1, 8)).ok());
  EXPECT_FALSE((*cp)->SubmitJob(Gang(1, 8)).ok());

  // A restart counts them again from the store.
  auto recovered = ControlPlane::Create(options, &store, &clock);
  ASSERT_TRUE(recovered.ok());
  ASSERT_TRUE((*recovered)->Recover().ok());
  EXPECT_EQ((*recovered)->SubmitJob(Gang(1, 8)).status().code(),
            absl::StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace hetsched::control::testing
