#include "spec/job_array.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hetsched::spec {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(JobArrayTest, ReadsSlurmsSyntax) {
  auto range = ParseJobArray("0-99%8");
  ASSERT_TRUE(range.ok()) << range.status();
  EXPECT_EQ(range->indices.size(), 100u);
  EXPECT_EQ(range->indices.front(), 0u);
  EXPECT_EQ(range->indices.back(), 99u);
  EXPECT_EQ(range->max_running, 8u);

  auto list = ParseJobArray("1,3,5-7");
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_THAT(list->indices, ElementsAre(1, 3, 5, 6, 7));
  EXPECT_EQ(list->max_running, 0u);

  auto stepped = ParseJobArray("0-15:4,2");
  ASSERT_TRUE(stepped.ok()) << stepped.status();
  EXPECT_THAT(stepped->indices, ElementsAre(0, 2, 4, 8, 12));

  auto repeated = ParseJobArray("3,1-3");
  ASSERT_TRUE(repeated.ok()) << repeated.status();
  EXPECT_THAT(repeated->indices, ElementsAre(1, 2, 3));
  EXPECT_EQ(ArrayMaxRunning("0-99%8"), 8u);
  EXPECT_EQ(ArrayMaxRunning("0-99"), 0u);
}

TEST(JobArrayTest, SaysWhatIsWrong) {
  const struct {
    const char* text;
    const char* says;
  } cases[] = {
      {"", "lists no index"},
      {"%4", "lists no index"},
      {"0-9%0", "%N with N a positive number"},
      {"0-9%x", "%N with N a positive number"},
      {"9-0", "ends before it starts"},
      {"0-9:0", "bad step"},
      {"a-b", "not an index or a range"},
      {"1,,2", "not an index or a range"},
      {"-1", "not an index or a range"},
      {"0-1000000", "indices go up to 999999"},
      {"0-10000", "more than 10000 elements"},
  };
  for (const auto& c : cases) {
    auto parsed = ParseJobArray(c.text);
    ASSERT_FALSE(parsed.ok()) << c.text;
    EXPECT_THAT(std::string(parsed.status().message()), HasSubstr(c.says))
        << c.text;
  }
}

}  // namespace
}  // namespace hetsched::spec
