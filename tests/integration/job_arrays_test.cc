// Job arrays end to end, through the CLI as users type them: one job per
// index with HETSCHED_ARRAY_TASK_ID in its environment, --wait over every
// element, the array cancelled as a whole, and --aftercorr pairing two
// arrays element by element, against a real scheduler and agent.
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "tests/integration/local_cluster.h"

namespace hetsched::testing {
namespace {

class JobArraysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(cluster_.StartScheduler().ok());
    ASSERT_TRUE(cluster_.StartAgent({"quad", "nvidia/h100", 4}).ok());
    ASSERT_TRUE(cluster_.WaitForReadyNodes(1).ok());
  }

  // A job file of one single-accelerator replica running `script` in sh.
  std::string JobFile(const std::string& name, const std::string& script) {
    const std::string path = absl::StrCat(cluster_.dir(), "/", name, ".yaml");
    std::ofstream(path) << "name: " << name << "\nowner: array-test\n"
                        << "termination_grace_s: 1\n"
                        << "task_groups:\n  - name: main\n    replicas: 1\n"
                        << "    accelerators: {count: 1}\n"
                        << "    command: [\"sh\", \"-c\", \"" << script
                        << "\"]\n";
    return path;
  }

  std::string Submit(std::vector<std::string> args) {
    args.insert(args.begin(), "submit");
    CommandResult r = cluster_.Cli(args);
    EXPECT_EQ(r.exit_code, 0) << absl::StrJoin(args, " ") << ": " << r.err;
    return std::string(absl::StripTrailingAsciiWhitespace(r.out));
  }

  LocalCluster cluster_;
};

TEST_F(JobArraysTest, EveryIndexRunsAsItsOwnJobAndWaitCoversThemAll) {
  const std::string file = JobFile(
      "shards", "echo shard $HETSCHED_ARRAY_TASK_ID of $HETSCHED_ARRAY_JOB_ID");
  CommandResult r =
      cluster_.Cli({"submit", file, "--array", "0-4:2,7%2", "--wait"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string id = "j-000001";
  EXPECT_EQ(r.out, id + "\n");
  for (const char* index : {"0", "2", "4", "7"}) {
    const std::string element = absl::StrCat(id, "_", index);
    EXPECT_EQ(cluster_.GetJob(element)->state(), v1::JOB_STATE_SUCCEEDED);
    EXPECT_EQ(cluster_.ReadLog(element, 0).value_or(""),
              absl::StrCat("shard ", index, " of ", id, "\n"));
  }
  EXPECT_EQ(cluster_.GetJob(id + "_1").status().code(),
            absl::StatusCode::kNotFound);
  CommandResult described = cluster_.Cli({"job", "describe", id});
  EXPECT_EQ(described.exit_code, 0) << described.err;
  EXPECT_NE(described.out.find("job array of 4 elements"), std::string::npos)
      << described.out;
  EXPECT_NE(described.out.find("SUCCEEDED"), std::string::npos);
}

TEST_F(JobArraysTest, CancellingTheArrayIdCancelsEveryElement) {
  const std::string id = Submit(
      {JobFile("sweep", "while :; do sleep 0.1; done"), "--array", "0-5%2"});
  ASSERT_EQ(id, "j-000001");
  ASSERT_TRUE(cluster_.WaitForJob(id + "_1", {v1::JOB_STATE_RUNNING}).ok());
  EXPECT_EQ(cluster_.GetJob(id + "_2")->state(), v1::JOB_STATE_PENDING);
  CommandResult cancelled = cluster_.Cli({"cancel", id});
  EXPECT_EQ(cancelled.exit_code, 0) << cancelled.err;
  auto array = cluster_.WaitForJob(id, {v1::JOB_STATE_CANCELLED});
  ASSERT_TRUE(array.ok()) << array.status();
  for (int i = 0; i <= 5; ++i) {
    EXPECT_EQ(cluster_.GetJob(absl::StrCat(id, "_", i))->state(),
              v1::JOB_STATE_CANCELLED)
        << i;
  }
}

TEST_F(JobArraysTest, AftercorrRunsEachElementAfterItsNamesake) {
  // Element 0 succeeds, element 1 fails.
  const std::string prep = Submit(
      {JobFile("prep", "exit $HETSCHED_ARRAY_TASK_ID"), "--array", "0-1"});
  const std::string train = Submit({JobFile("train", "echo trained"), "--array",
                                    "0-1", "--aftercorr", prep});
  auto trained = cluster_.WaitForJob(train + "_0", {v1::JOB_STATE_SUCCEEDED});
  ASSERT_TRUE(trained.ok()) << trained.status();
  auto skipped = cluster_.WaitForJob(train + "_1", {v1::JOB_STATE_CANCELLED});
  ASSERT_TRUE(skipped.ok()) << skipped.status();
  EXPECT_EQ(skipped->message(), "dependency " + prep + "_1 ended FAILED");
  // The array's own state: one element cancelled, none failed.
  EXPECT_EQ(cluster_.GetJob(train)->state(), v1::JOB_STATE_CANCELLED);
  EXPECT_EQ(cluster_.GetJob(prep)->state(), v1::JOB_STATE_FAILED);
}

TEST_F(JobArraysTest, ABadArrayIsRefusedLocallyNamingTheField) {
  CommandResult r =
      cluster_.Cli({"submit", JobFile("bad", "true"), "--array", "5-1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("array: '5-1' has the range '5-1', which ends before "
                       "it starts"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace hetsched::testing
