#include "scheduler/server/work_pool.h"

#include <atomic>
#include <mutex>
#include <vector>

#include "gtest/gtest.h"

namespace hetsched::server {
namespace {

TEST(WorkPoolTest, OneThreadRunsTasksInTheOrderPosted) {
  std::mutex mu;
  std::vector<int> order;
  {
    WorkPool pool(1);
    for (int i = 0; i < 100; ++i) {
      pool.Post([&, i] {
        std::lock_guard<std::mutex> lock(mu);
        order.push_back(i);
      });
    }
  }  // the destructor runs what is queued, then joins
  ASSERT_EQ(order.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(order[i], i);
}

TEST(WorkPoolTest, EveryTaskRunsOnceOnAnyNumberOfThreads) {
  std::atomic<int> ran{0};
  {
    WorkPool pool(4);
    for (int i = 0; i < 1000; ++i) pool.Post([&] { ++ran; });
  }
  EXPECT_EQ(ran.load(), 1000);
}

}  // namespace
}  // namespace hetsched::server
