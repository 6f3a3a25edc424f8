#include "agent/calibration_loop.h"

#include <condition_variable>
#include <mutex>

#include "agent/test_util.h"
#include "gtest/gtest.h"

namespace hetsched::agent {
namespace {

using testing::PollUntil;

// Blocks each run until released; counts runs and remembers budgets.
class GatedRunner final : public CalibrationRunner {
 public:
  std::string Run(uint32_t budget_s, const std::atomic<bool>* cancel) override {
    std::unique_lock<std::mutex> lock(mu);
    ++started;
    budgets.push_back(budget_s);
    cv.notify_all();
    // Polls `cancel`: nobody notifies the condition variable for it.
    while (released == 0 && !(cancel && cancel->load())) {
      cv.wait_for(lock, std::chrono::milliseconds(5));
    }
    if (released > 0) --released;
    return R"({"schema_version": 1, "status": "ok"})";
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu);
    ++released;
    cv.notify_all();
  }
  int Started() {
    std::lock_guard<std::mutex> lock(mu);
    return started;
  }
  std::mutex mu;
  std::condition_variable cv;
  int started = 0;
  int released = 0;
  std::vector<uint32_t> budgets;
};

TEST(CalibrationLoopTest, RunsAtStartAndCoalescesRequestsMadeWhileRunning) {
  auto owned = std::make_unique<GatedRunner>();
  GatedRunner* runner = owned.get();
  std::atomic<int> reports{0};
  CalibrationLoop loop({.on_start = true, .default_budget_s = 42},
                       std::move(owned), [&](const v1::CalibrationReport& r) {
                         EXPECT_NE(r.document_json(), "");
                         ++reports;
                       });
  loop.Start();
  ASSERT_TRUE(PollUntil([&] { return runner->Started() == 1; }));
  loop.Request("operator", 7);  // while the start run runs: coalesced
  runner->Release();
  ASSERT_TRUE(PollUntil([&] { return reports == 1; }));
  EXPECT_EQ(loop.runs(), 1);
  EXPECT_EQ(runner->Started(), 1);

  loop.Request("operator", 7);
  ASSERT_TRUE(PollUntil([&] { return runner->Started() == 2; }));
  runner->Release();
  ASSERT_TRUE(PollUntil([&] { return reports == 2; }));
  EXPECT_EQ(runner->budgets, (std::vector<uint32_t>{42, 7}));
}

TEST(CalibrationLoopTest, WithoutStartRunItWaitsForARequest) {
  auto owned = std::make_unique<GatedRunner>();
  GatedRunner* runner = owned.get();
  CalibrationLoop loop({.on_start = false}, std::move(owned),
                       [](const v1::CalibrationReport&) {});
  loop.Start();
  loop.Stop();
  EXPECT_EQ(runner->Started(), 0);
}

TEST(CalibrationLoopTest, StopCancelsARunningCalibration) {
  auto owned = std::make_unique<GatedRunner>();
  GatedRunner* runner = owned.get();
  std::atomic<int> reports{0};
  CalibrationLoop loop({.on_start = true}, std::move(owned),
                       [&](const v1::CalibrationReport&) { ++reports; });
  loop.Start();
  ASSERT_TRUE(PollUntil([&] { return runner->Started() == 1; }));
  loop.Stop();  // returns although the runner was never released
  EXPECT_EQ(reports, 0);
}

}  // namespace
}  // namespace hetsched::agent
