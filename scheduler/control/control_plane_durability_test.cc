// The control plane over a store that can hold or fail its writes: what is
// acknowledged is on disk, callers share transactions, and a failed write
// stops every later acknowledgement.
#include <thread>

#include "gtest/gtest.h"
#include "scheduler/control/control_plane_fixture.h"
#include "scheduler/store/memory_store.h"

namespace hetsched::control {
namespace {

using testing::Eventually;
using testing::Gang;
using testing::Host;
using testing::RecordingSink;

class ControlPlaneDurabilityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cp_ = std::move(
        ControlPlane::Create(ControlPlaneOptions{}, &store_, &clock_).value());
    auto registered = cp_->RegisterAgent(Host("h0", "nvidia/h100", 8), h0_);
    ASSERT_TRUE(registered.ok()) << registered.status();
  }

  FakeClock clock_{absl::FromUnixSeconds(1000)};
  store::MemoryStore store_;
  std::unique_ptr<ControlPlane> cp_;
  std::shared_ptr<RecordingSink> h0_ = std::make_shared<RecordingSink>();
};

TEST_F(ControlPlaneDurabilityTest, ConcurrentSubmitsShareTransactions) {
  store_.HoldWrites();
  const uint64_t before = cp_->commit_stats().appends;
  std::vector<std::thread> submitters;
  std::vector<std::string> ids(4);
  for (int i = 0; i < 4; ++i) {
    submitters.emplace_back([&, i] {
      auto id = cp_->SubmitJob(Gang(1, 1));
      ASSERT_TRUE(id.ok()) << id.status();
      ids[i] = *id;
    });
  }
  // One submitter writes (held in the store); the others queue behind it.
  ASSERT_TRUE(Eventually([&] {
    return store_.WritesWaiting() == 1 &&
           cp_->commit_stats().appends == before + 4;
  }));
  const size_t writes_before = store_.WriteSizes().size();
  store_.Release();
  for (auto& t : submitters) t.join();
  EXPECT_LE(store_.WriteSizes().size() - writes_before, 2u);
  const auto stored = store_.LoadJobs().value();
  for (const auto& id : ids) {
    EXPECT_TRUE(std::any_of(stored.begin(), stored.end(),
                            [&](const v1::Job& j) { return j.id() == id; }))
        << id << " was acknowledged but is not in the store";
  }
}

TEST_F(ControlPlaneDurabilityTest,
       AssignmentsReachTheAgentOnlyOncePlacedIsDurable) {
  ASSERT_TRUE(cp_->SubmitJob(Gang(1, 8)).ok());
  store_.HoldWrites();
  std::thread tick([&] { EXPECT_EQ(cp_->Tick(), 1); });
  ASSERT_TRUE(Eventually([&] { return store_.WritesWaiting() == 1; }));
  EXPECT_TRUE(h0_->Assignments().empty());
  store_.Release();
  tick.join();
  ASSERT_EQ(h0_->Assignments().size(), 1u);
  EXPECT_EQ(store_.LoadJobs().value()[0].state(), v1::JOB_STATE_RUNNING);
}

TEST_F(ControlPlaneDurabilityTest, AFailedWriteIsNeverAcknowledged) {
  store_.FailWrites(absl::UnavailableError("disk full"));
  auto id = cp_->SubmitJob(Gang(1, 1));
  EXPECT_EQ(id.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(cp_->store_status().ok());
  // Memory is ahead of the store now: nothing else is confirmed either.
  store_.FailWrites(absl::OkStatus());
  EXPECT_FALSE(cp_->SubmitJob(Gang(1, 1)).ok());
  EXPECT_TRUE(store_.LoadJobs().value().empty());
  EXPECT_EQ(cp_->Tick(), 0);
  EXPECT_TRUE(h0_->Assignments().empty());
}

}  // namespace
}  // namespace hetsched::control
