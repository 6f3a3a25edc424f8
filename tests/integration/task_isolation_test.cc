// Who a task runs as: an agent running as root with --task-users runs the
// task as its owner's local user, in an environment of its own; the task
// cannot read what only root may (the agent's key, the agent's records).
// Needs root (CI runs as root); skipped otherwise.
#include <pwd.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/integration/local_cluster.h"

namespace hetsched::testing {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::string s((std::istreambuf_iterator<char>(in)),
                std::istreambuf_iterator<char>());
  return s;
}

TEST(TaskIsolationTest, ATaskRunsAsItsOwnersUserAndCannotReadTheAgentsKey) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root, as an agent with users";
  const passwd* nobody = getpwnam("nobody");
  ASSERT_NE(nobody, nullptr);
  LocalCluster cluster;
  const std::string users = cluster.dir() + "/users.yaml";
  std::ofstream(users) << "default: nobody\n";
  const std::string key = cluster.dir() + "/agent.key";
  std::ofstream(key) << "secret\n";
  ASSERT_EQ(chmod(key.c_str(), 0600), 0);
  // Something of the agent's own environment that is not the task's.
  setenv("HETSCHED_TEST_AGENT_ONLY", "1", 1);
  ASSERT_TRUE(cluster.StartScheduler().ok());
  ASSERT_TRUE(
      cluster
          .StartAgent({"h100-0", "nvidia/h100", 8, "", {"--task-users", users}})
          .ok());
  unsetenv("HETSCHED_TEST_AGENT_ONLY");
  ASSERT_TRUE(cluster.WaitForReadyNodes(1).ok());

  const std::string supervised = cluster.dir() + "/h100-0/supervised";
  const std::string script =
      absl::StrCat("id -u > uid; env > env.txt; cat ", key,
                   " > /dev/null 2> key.err; echo $? > key.rc; ls ", supervised,
                   " > /dev/null 2> records.err; echo $? > records.rc");
  auto id = cluster.Submit(
      absl::StrCat("name: probe\ntask_groups:\n  - name: w\n    replicas: 1\n"
                   "    accelerators: {count: 1, kinds: [nvidia/h100]}\n"
                   "    command: [\"sh\", \"-c\", \"",
                   script, "\"]\n"));
  ASSERT_TRUE(id.ok()) << id.status();
  auto done =
      cluster.WaitForJob(*id, {v1::JOB_STATE_SUCCEEDED, v1::JOB_STATE_FAILED});
  ASSERT_TRUE(done.ok()) << done.status();
  // It wrote its files: its directory is its own.
  ASSERT_EQ(done->state(), v1::JOB_STATE_SUCCEEDED) << done->tasks(0).message();
  const std::string dir = cluster.TaskDir("h100-0", done->tasks(0).id());
  EXPECT_EQ(absl::StripAsciiWhitespace(Slurp(dir + "/uid")),
            std::to_string(nobody->pw_uid));
  EXPECT_NE(absl::StripAsciiWhitespace(Slurp(dir + "/key.rc")), "0");
  EXPECT_NE(Slurp(dir + "/key.err").find("Permission denied"),
            std::string::npos)
      << Slurp(dir + "/key.err");
  EXPECT_NE(absl::StripAsciiWhitespace(Slurp(dir + "/records.rc")), "0");
  const std::string env = Slurp(dir + "/env.txt");
  EXPECT_EQ(env.find("HETSCHED_TEST_AGENT_ONLY"), std::string::npos) << env;
  EXPECT_NE(env.find("USER=nobody"), std::string::npos) << env;
  EXPECT_NE(env.find("HETSCHED_JOB_DIR="), std::string::npos) << env;
  EXPECT_NE(env.find("PATH="), std::string::npos) << env;
}

// A shipped workdir (submit --workdir) is unpacked by the agent as root,
// but setup, the copy and the replica all run as the owner's user, in
// files that user owns.
TEST(TaskIsolationTest, SetupAndReplicaOfAShippedWorkdirRunAsTheOwner) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root, as an agent with users";
  const passwd* nobody = getpwnam("nobody");
  ASSERT_NE(nobody, nullptr);
  LocalCluster cluster;
  const std::string users = cluster.dir() + "/users.yaml";
  std::ofstream(users) << "default: nobody\n";
  ASSERT_TRUE(cluster.StartScheduler().ok());
  ASSERT_TRUE(
      cluster
          .StartAgent({"h100-0", "nvidia/h100", 8, "", {"--task-users", users}})
          .ok());
  ASSERT_TRUE(cluster.WaitForReadyNodes(1).ok());
  const std::string code = cluster.dir() + "/code";
  ASSERT_EQ(mkdir(code.c_str(), 0755), 0);
  std::ofstream(code + "/run.sh")
      << "cat setup.uid; id -u; stat -c %u run.sh\n";
  const std::string job = cluster.dir() + "/job.yaml";
  std::ofstream(job) << "name: shipped\nsetup: [sh, -c, 'id -u > setup.uid']\n"
                        "task_groups:\n  - replicas: 1\n"
                        "    accelerators: {count: 1, kinds: [nvidia/h100]}\n"
                        "    command: [sh, run.sh]\n";
  CommandResult submitted = cluster.Cli({"submit", job, "--workdir", code});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  auto done =
      cluster.WaitForJob(std::string(absl::StripAsciiWhitespace(submitted.out)),
                         {v1::JOB_STATE_SUCCEEDED, v1::JOB_STATE_FAILED});
  ASSERT_TRUE(done.ok()) << done.status();
  ASSERT_EQ(done->state(), v1::JOB_STATE_SUCCEEDED) << done->tasks(0).message();
  const std::string uid = std::to_string(nobody->pw_uid);
  auto log = cluster.ReadLog(done->id(), 0);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ(*log, absl::StrCat(uid, "\n", uid, "\n", uid, "\n"));
}

TEST(TaskIsolationTest, AnOwnerMappedToRootIsRefused) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root, as an agent with users";
  LocalCluster cluster;
  const std::string users = cluster.dir() + "/users.yaml";
  std::ofstream(users) << "default: root\n";
  ASSERT_TRUE(cluster.StartScheduler().ok());
  ASSERT_TRUE(
      cluster
          .StartAgent({"h100-0", "nvidia/h100", 8, "", {"--task-users", users}})
          .ok());
  ASSERT_TRUE(cluster.WaitForReadyNodes(1).ok());
  auto id = cluster.Submit(
      "name: as-root\ntask_groups:\n  - name: w\n    replicas: 1\n"
      "    accelerators: {count: 1, kinds: [nvidia/h100]}\n"
      "    command: [\"true\"]\n");
  ASSERT_TRUE(id.ok()) << id.status();
  auto done =
      cluster.WaitForJob(*id, {v1::JOB_STATE_SUCCEEDED, v1::JOB_STATE_FAILED});
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->state(), v1::JOB_STATE_FAILED);
  EXPECT_NE(done->tasks(0).message().find("allow_root"), std::string::npos)
      << done->tasks(0).message();
}

}  // namespace
}  // namespace hetsched::testing
