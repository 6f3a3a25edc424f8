#include "scheduler/control/collective_test_plan.h"

#include "gtest/gtest.h"

namespace hetsched::control {
namespace {

v1::ValidateInterconnectRequest Request(const std::vector<std::string>& nodes) {
  v1::ValidateInterconnectRequest r;
  for (const auto& n : nodes) r.add_nodes(n);
  EXPECT_TRUE(NormalizeInterconnectRequest(r).ok());
  return r;
}

v1::CollectiveTestReport Report(uint32_t rank,
                                v1::CollectiveTestReport::Phase phase) {
  v1::CollectiveTestReport r;
  r.set_test_id("ct-1");
  r.set_rank(rank);
  r.set_phase(phase);
  return r;
}

TEST(CollectiveTestPlanTest, DefaultsAndFieldErrors) {
  v1::ValidateInterconnectRequest r = Request({"a", "b"});
  EXPECT_EQ(r.mode(), "tcp");
  EXPECT_EQ(r.max_bytes(), 64u << 20);
  EXPECT_EQ(r.step_factor(), 4u);
  v1::ValidateInterconnectRequest one;
  one.add_nodes("a");
  EXPECT_NE(NormalizeInterconnectRequest(one).message().find("nodes:"),
            std::string::npos);
  v1::ValidateInterconnectRequest twice = Request({"a", "b"});
  twice.add_nodes("a");
  EXPECT_NE(NormalizeInterconnectRequest(twice).message().find("nodes[2]"),
            std::string::npos);
  v1::ValidateInterconnectRequest mode = Request({"a", "b"});
  mode.set_mode("rdma");
  EXPECT_NE(NormalizeInterconnectRequest(mode).message().find("mode:"),
            std::string::npos);
  v1::ValidateInterconnectRequest sizes = Request({"a", "b"});
  sizes.set_min_bytes(1 << 20);
  sizes.set_max_bytes(8);
  EXPECT_NE(NormalizeInterconnectRequest(sizes).message().find("min_bytes"),
            std::string::npos);
}

TEST(CollectiveTestPlanTest, StartCarriesEveryAddressOnceAllArePrepared) {
  CollectiveTestPlan plan("ct-1", {"a", "b", "c"}, Request({"a", "b", "c"}));
  EXPECT_EQ(plan.PrepareOrder(2).rank(), 2u);
  EXPECT_EQ(plan.PrepareOrder(2).nranks(), 3u);
  for (uint32_t r = 0; r < 3; ++r) {
    EXPECT_FALSE(plan.AllPrepared());
    auto rep = Report(r, v1::CollectiveTestReport::PHASE_PREPARED);
    rep.set_listen_address("127.0.0.1:" + std::to_string(5000 + r));
    ASSERT_TRUE(plan.Apply(std::string(1, 'a' + r), rep).ok());
  }
  EXPECT_TRUE(plan.AllPrepared());
  v1::CollectiveTestOrder start = plan.StartOrder(1);
  ASSERT_EQ(start.peers_size(), 3);
  EXPECT_EQ(start.peers(2), "127.0.0.1:5002");
  EXPECT_EQ(start.phase(), v1::CollectiveTestOrder::PHASE_START);
}

TEST(CollectiveTestPlanTest, ReportFromTheWrongNodeIsRejected) {
  CollectiveTestPlan plan("ct-1", {"a", "b"}, Request({"a", "b"}));
  auto rep = Report(1, v1::CollectiveTestReport::PHASE_PREPARED);
  rep.set_listen_address("x:1");
  EXPECT_FALSE(plan.Apply("a", rep).ok());
  EXPECT_FALSE(plan.Apply("b", Report(7, rep.phase())).ok());
}

TEST(CollectiveTestPlanTest, MergedResultIsVerifiedOnlyIfEveryRankIs) {
  CollectiveTestPlan plan("ct-1", {"a", "b"}, Request({"a", "b"}));
  auto done0 = Report(0, v1::CollectiveTestReport::PHASE_DONE);
  done0.mutable_result()->set_avg_busbw_gbps(1.5);
  done0.mutable_result()->set_verified(true);
  auto done1 = Report(1, v1::CollectiveTestReport::PHASE_DONE);
  done1.mutable_result()->set_verified(false);
  ASSERT_TRUE(plan.Apply("a", done0).ok());
  EXPECT_FALSE(plan.AllDone());
  ASSERT_TRUE(plan.Apply("b", done1).ok());
  EXPECT_TRUE(plan.AllDone());
  EXPECT_DOUBLE_EQ(plan.MergedResult().avg_busbw_gbps(), 1.5);
  EXPECT_FALSE(plan.MergedResult().verified());
}

TEST(CollectiveTestPlanTest, AFailedRankFailsTheTest) {
  CollectiveTestPlan plan("ct-1", {"a", "b"}, Request({"a", "b"}));
  auto failed = Report(1, v1::CollectiveTestReport::PHASE_FAILED);
  failed.set_error("connection refused");
  ASSERT_TRUE(plan.Apply("b", failed).ok());
  ASSERT_TRUE(plan.failure().has_value());
  EXPECT_EQ(*plan.failure(), "rank 1 (b): connection refused");
}

}  // namespace
}  // namespace hetsched::control
