#include "agent/progress_reporter.h"

#include <fstream>

#include "agent/task_dirs.h"
#include "gtest/gtest.h"

namespace hetsched::agent {
namespace {

TEST(ProgressReporterTest, ParsesTheLastCount) {
  EXPECT_EQ(ParseProgress("12\n"), 12u);
  EXPECT_EQ(ParseProgress("steps 5\nsteps 40\n"), 40u);
  EXPECT_EQ(ParseProgress("steps 7\npartial li"), 7u);
  EXPECT_FALSE(ParseProgress("").has_value());
  EXPECT_FALSE(ParseProgress("loss 0.3\n").has_value());
}

TEST(ProgressReporterTest, ReportsRunningTasksWhoseCountMoved) {
  std::string tmpl = ::testing::TempDir() + "/progressXXXXXX";
  const std::string work_dir = mkdtemp(tmpl.data());
  auto dir = CreateTaskDir(work_dir, "j-000001-r0-a0");
  ASSERT_TRUE(dir.ok());
  v1::TaskStatus running;
  running.set_task_id("j-000001-r0-a0");
  running.set_job_id("j-000001");
  running.set_state(v1::TASK_STATE_RUNNING);
  std::vector<v1::TaskProgress> sent;
  FakeClock clock(absl::FromUnixSeconds(100));
  ProgressReporter reporter(
      work_dir, [&] { return std::vector<v1::TaskStatus>{running}; },
      [&](const v1::TaskProgress& p) { sent.push_back(p); }, &clock);
  reporter.Poll();
  EXPECT_TRUE(sent.empty());  // no file yet
  std::ofstream(*dir + "/progress") << "steps 10\n";
  reporter.Poll();
  reporter.Poll();  // unchanged: not sent again
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].steps(), 10u);
  EXPECT_EQ(sent[0].job_id(), "j-000001");
  EXPECT_EQ(sent[0].time_ms(), 100'000);
  std::ofstream(*dir + "/progress") << "steps 25\n";
  reporter.Poll();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1].steps(), 25u);
}

}  // namespace
}  // namespace hetsched::agent
