#include "spec/job_ids.h"

#include <algorithm>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace hetsched::spec {
namespace {

TEST(JobIdsTest, ParsesJobsArraysAndElements) {
  auto job = ParseJobId("j-000042");
  ASSERT_TRUE(job.has_value());
  EXPECT_EQ(job->seq, 42u);
  EXPECT_FALSE(job->element.has_value());
  auto element = ParseJobId("j-000042_17");
  ASSERT_TRUE(element.has_value());
  EXPECT_EQ(element->seq, 42u);
  EXPECT_EQ(element->element, 17u);
  EXPECT_TRUE(IsWholeJobId("j-1234567"));
  EXPECT_FALSE(IsWholeJobId("j-000042_1"));
  EXPECT_EQ(ArrayElementId("j-000042", 7), "j-000042_7");
}

TEST(JobIdsTest, RefusesWhatTheSchedulerNeverHandsOut) {
  for (const char* bad :
       {"", "j-", "j-_1", "j-12_", "j-12_x", "x-12", "j-1a", "j-1_2_3",
        "j-12345678901234567890", "j-1_12345678901"}) {
    EXPECT_FALSE(IsJobId(bad)) << bad;
  }
}

TEST(JobIdsTest, ListsByNumberWithElementsAfterTheirArray) {
  std::vector<std::string> ids = {"j-000010",   "j-000009_10", "j-1000000",
                                  "j-000009_2", "j-000009",    "j-000011"};
  std::sort(ids.begin(), ids.end(), JobIdLess);
  EXPECT_EQ(ids,
            (std::vector<std::string>{"j-000009", "j-000009_2", "j-000009_10",
                                      "j-000010", "j-000011", "j-1000000"}));
}

TEST(JobIdsTest, OrdersAnyStringsStrictly) {
  const std::vector<std::string> ids = {"a", "a_b", "b", "j-1", "j-1_0", "_"};
  for (const auto& a : ids) {
    EXPECT_FALSE(JobIdLess(a, a)) << a;
    for (const auto& b : ids) {
      if (a != b) EXPECT_NE(JobIdLess(a, b), JobIdLess(b, a)) << a << " " << b;
    }
  }
}

}  // namespace
}  // namespace hetsched::spec
