// Code shipped with the job (submit --workdir, setup:) end to end: the CLI
// packs and uploads the directory, the scheduler stores it by sha256, the
// agent fetches it once, runs setup once and starts each replica in a
// copy of the prepared tree.
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/sha256.h"
#include "gtest/gtest.h"
#include "tests/integration/local_cluster.h"

namespace hetsched::testing {
namespace {

namespace fs = std::filesystem;

int Occurrences(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

class WorkdirIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(cluster_.StartScheduler().ok());
    HostSpec host{"h1", "", 0, ""};
    host.cpus = 4;
    ASSERT_TRUE(cluster_.StartAgent(host).ok());
    ASSERT_TRUE(cluster_.WaitForReadyNodes(1).ok());
    code_ = cluster_.dir() + "/code";
    fs::create_directories(code_);
    std::ofstream(code_ + "/run.sh")
        << "cat generated.txt\necho from-script\n"
           "if [ -e secret.key ]; then echo has-secret; "
           "else echo no-secret; fi\n";
    std::ofstream(code_ + "/.gitignore") << "# keys stay home\n*.key\n";
    std::ofstream(code_ + "/secret.key") << "do not ship";
  }

  // A job file running the shipped script after `setup`.
  std::string JobFile(const std::string& name, const std::string& setup) {
    const std::string path = absl::StrCat(cluster_.dir(), "/", name, ".yaml");
    std::ofstream(path) << "name: " << name << "\nsetup: " << setup
                        << "\ntask_groups:\n  - replicas: 2\n"
                           "    accelerators: {count: 0}\n"
                           "    command: [sh, run.sh]\n";
    return path;
  }

  absl::StatusOr<v1::Job> SubmitAndWait(const std::string& job_file) {
    CommandResult r = cluster_.Cli({"submit", job_file, "--workdir", code_});
    if (r.exit_code != 0) {
      return absl::InternalError(absl::StrCat("submit: ", r.err));
    }
    std::string id = r.out;
    while (!id.empty() && id.back() == '\n') id.pop_back();
    return cluster_.WaitForJob(id,
                               {v1::JOB_STATE_SUCCEEDED, v1::JOB_STATE_FAILED,
                                v1::JOB_STATE_CANCELLED});
  }

  LocalCluster cluster_;
  std::string code_;
};

TEST_F(WorkdirIntegrationTest, ReplicasRunTheShippedScriptAfterSetup) {
  auto job = SubmitAndWait(
      JobFile("shipped", "[sh, -c, 'echo prepared-by-setup > generated.txt']"));
  ASSERT_TRUE(job.ok()) << job.status();
  ASSERT_EQ(job->state(), v1::JOB_STATE_SUCCEEDED) << job->DebugString();
  EXPECT_TRUE(IsSha256Hex(job->spec().workdir_sha256()));
  for (uint32_t rank : {0u, 1u}) {
    auto log = cluster_.ReadLog(job->id(), rank);
    ASSERT_TRUE(log.ok()) << log.status();
    EXPECT_EQ(*log, "prepared-by-setup\nfrom-script\nno-secret\n");
  }
  EXPECT_FALSE(
      fs::exists(cluster_.TaskDir("h1", job->tasks(0).id()) + "/secret.key"));
  // Two replicas on one host: setup ran once.
  EXPECT_EQ(Occurrences(cluster_.agent("h1").Log(),
                        absl::StrCat("job ", job->id(), ": running setup")),
            1);
}

TEST_F(WorkdirIntegrationTest, TwoJobsWithTheSameWorkdirFetchItOnce) {
  const std::string setup = "[sh, -c, 'echo s > generated.txt']";
  auto first = SubmitAndWait(JobFile("first", setup));
  auto second = SubmitAndWait(JobFile("second", setup));
  ASSERT_TRUE(first.ok() && second.ok());
  ASSERT_EQ(first->state(), v1::JOB_STATE_SUCCEEDED) << first->DebugString();
  ASSERT_EQ(second->state(), v1::JOB_STATE_SUCCEEDED) << second->DebugString();
  const std::string sha = first->spec().workdir_sha256();
  EXPECT_EQ(second->spec().workdir_sha256(), sha);
  int archives = 0;
  for (const auto& entry :
       fs::directory_iterator(cluster_.dir() + "/h1/workdirs")) {
    EXPECT_EQ(entry.path().filename().string(), sha + ".tar.gz");
    ++archives;
  }
  EXPECT_EQ(archives, 1);
  EXPECT_EQ(Occurrences(cluster_.agent("h1").Log(),
                        absl::StrCat("workdir ", sha, ": fetched")),
            1);
}

TEST_F(WorkdirIntegrationTest, FailedSetupFailsTheReplicasSayingSo) {
  auto job =
      SubmitAndWait(JobFile("broken", "[sh, -c, 'echo oops >&2; exit 3']"));
  ASSERT_TRUE(job.ok()) << job.status();
  ASSERT_EQ(job->state(), v1::JOB_STATE_FAILED) << job->DebugString();
  EXPECT_EQ(job->exit_code(), 3);
  bool said = false;
  for (const auto& task : job->tasks()) {
    if (absl::StrContains(task.message(), "setup failed (exit code 3): oops")) {
      said = true;
    }
  }
  EXPECT_TRUE(said) << job->DebugString();
}

TEST_F(WorkdirIntegrationTest, UnknownDigestAndDigestMismatchAreRefused) {
  const std::string missing = Sha256Hex("never uploaded");
  auto id = cluster_.Submit(absl::StrCat(
      "name: ghost\nworkdir_sha256: ", missing,
      "\ntask_groups:\n  - replicas: 1\n    accelerators: {count: 0}\n"
      "    command: [sh, run.sh]\n"));
  ASSERT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(id.status().message(), "workdir_sha256"))
      << id.status();

  grpc::ClientContext ctx;
  v1::WorkdirRef ref;
  auto writer = cluster_.jobs().UploadWorkdir(&ctx, &ref);
  v1::WorkdirChunk chunk;
  chunk.set_sha256(missing);
  chunk.set_data("other bytes");
  writer->Write(chunk);
  writer->WritesDone();
  grpc::Status s = writer->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "sha256"))
      << s.error_message();
}

TEST_F(WorkdirIntegrationTest, AWorkdirPastTheLimitIsRefusedBeforeUpload) {
  CommandResult r =
      cluster_.Cli({"submit", JobFile("big", "[\"true\"]"), "--workdir", code_,
                    "--workdir-max-bytes", "10"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(absl::StrContains(r.err, "--workdir")) << r.err;
  EXPECT_TRUE(absl::StrContains(r.err, "more than 10 bytes")) << r.err;
}

}  // namespace
}  // namespace hetsched::testing
