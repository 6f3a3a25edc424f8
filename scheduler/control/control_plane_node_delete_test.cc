// hetsched node delete: a decommissioned node is forgotten for good, but
// never one whose agent is connected or which still runs work.
#include "gtest/gtest.h"
#include "scheduler/control/control_plane_fixture.h"

namespace hetsched::control::testing {
namespace {

using ControlPlaneNodeDeleteTest = ControlPlaneTest;

TEST_F(ControlPlaneNodeDeleteTest, AGoneNodeIsForgottenAcrossRestarts) {
  EXPECT_EQ(cp_->DeleteNode("h1").code(),
            absl::StatusCode::kFailedPrecondition);  // still connected
  cp_->AgentDisconnected("h1", h1_.get());
  ASSERT_TRUE(cp_->DeleteNode("h1").ok());
  EXPECT_EQ(cp_->GetNode("h1").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(cp_->DeleteNode("h1").code(), absl::StatusCode::kNotFound);

  Open();  // a restart reads the store
  ASSERT_TRUE(cp_->Recover().ok());
  EXPECT_EQ(cp_->GetNode("h1").status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(cp_->GetNode("h0").ok());
  // Its agent may come back: it simply registers anew.
  ASSERT_TRUE(cp_->RegisterAgent(Host("h1", "nvidia/h100", 8), h1_).ok());
  EXPECT_TRUE(cp_->GetNode("h1").ok());
}

TEST_F(ControlPlaneNodeDeleteTest, ANodeThatStillRunsWorkStays) {
  ASSERT_TRUE(cp_->SetDrained("h1", true, "").ok());
  auto id = cp_->SubmitJob(Gang(1, 8));
  ASSERT_TRUE(id.ok());
  ASSERT_EQ(cp_->Tick(), 1);
  cp_->AgentDisconnected("h0", h0_.get());
  absl::Status refused = cp_->DeleteNode("h0");
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.message().find("still has 1 task(s)"), std::string::npos)
      << refused;
  EXPECT_TRUE(cp_->GetNode("h0").ok());
}

}  // namespace
}  // namespace hetsched::control::testing
