// End to end on loopback: the real scheduler and three real agents as
// processes, jobs that really run, and the CLI binary as users run it.
#include <signal.h>

#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/integration/local_cluster.h"

namespace hetsched::testing {
namespace {

std::string Job(const std::string& name, int replicas, int count,
                const std::string& kinds, const std::string& script) {
  return absl::StrCat("name: ", name, "\ntask_groups:\n  - name: main\n",
                      "    replicas: ", replicas, "\n",
                      "    accelerators: {count: ", count, ", kinds: [", kinds,
                      "]}\n    command: [\"sh\", \"-c\", \"", script, "\"]\n");
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Polls until `path` holds a number; that number.
pid_t WaitForPidFile(const std::string& path) {
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    int pid = 0;
    std::string text = ReadFile(path);
    if (!text.empty() && text.back() == '\n' &&
        absl::SimpleAtoi(text.substr(0, text.size() - 1), &pid)) {
      return pid;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return 0;
}

bool WaitGone(pid_t pid) {
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    if (ProcessGone(pid)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

class FoundationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(cluster_.StartScheduler().ok());
    ASSERT_TRUE(cluster_.StartAgent({"h100-0", "nvidia/h100", 8, "us-a"}).ok());
    ASSERT_TRUE(cluster_.StartAgent({"h100-1", "nvidia/h100", 8, "us-b"}).ok());
    ASSERT_TRUE(
        cluster_.StartAgent({"trn2-0", "aws/trainium2", 16, "us-t"}).ok());
    ASSERT_TRUE(cluster_.WaitForReadyNodes(3).ok());
  }

  LocalCluster cluster_;
};

TEST_F(FoundationTest, GangRunsOnTwoHostsWithRankAndDeviceVariables) {
  auto id = cluster_.Submit(
      Job("gang", 2, 8, "nvidia/h100",
          "echo NODE_RANK=$PET_NODE_RANK NNODES=$PET_NNODES "
          "NPROC=$PET_NPROC_PER_NODE RANK=${RANK-unset} "
          "CUDA=$CUDA_VISIBLE_DEVICES MASTER=$MASTER_ADDR:$MASTER_PORT "
          "JOB=$HETSCHED_JOB_ID"));
  ASSERT_TRUE(id.ok()) << id.status();
  auto job =
      cluster_.WaitForJob(*id, {v1::JOB_STATE_SUCCEEDED, v1::JOB_STATE_FAILED});
  ASSERT_TRUE(job.ok()) << job.status();
  ASSERT_EQ(job->state(), v1::JOB_STATE_SUCCEEDED) << job->DebugString();
  std::set<std::string> nodes;
  for (const auto& t : job->tasks()) nodes.insert(t.node());
  EXPECT_EQ(nodes, (std::set<std::string>{"h100-0", "h100-1"}));
  for (uint32_t rank = 0; rank < 2; ++rank) {
    auto log = cluster_.ReadLog(*id, rank);
    ASSERT_TRUE(log.ok()) << log.status();
    // Eight accelerators a replica: RANK is torchrun's to set, per process.
    EXPECT_NE(log->find(absl::StrCat("NODE_RANK=", rank,
                                     " NNODES=2 NPROC=8 RANK=unset "
                                     "CUDA=0,1,2,3,4,5,6,7 "
                                     "MASTER=127.0.0.1:")),
              std::string::npos)
        << *log;
    EXPECT_NE(log->find("JOB=" + *id), std::string::npos) << *log;
  }
}

TEST_F(FoundationTest, NeuronReplicaSeesItsCoresAndNoCudaDevices) {
  auto id = cluster_.Submit(Job("neuron", 1, 2, "aws/trainium2",
                                "echo CORES=$NEURON_RT_VISIBLE_CORES "
                                "CUDA=${CUDA_VISIBLE_DEVICES-unset}"));
  ASSERT_TRUE(id.ok());
  auto job = cluster_.WaitForJob(*id, {v1::JOB_STATE_SUCCEEDED});
  ASSERT_TRUE(job.ok()) << job.status();
  auto log = cluster_.ReadLog(*id, 0);
  ASSERT_TRUE(log.ok());
  EXPECT_NE(log->find("CORES=0-15 CUDA=unset"), std::string::npos) << *log;
}

TEST_F(FoundationTest, ExitCodeThreeEndsFailedWithCodeReported) {
  auto id = cluster_.Submit(Job("fails", 1, 1, "", "exit 3"));
  ASSERT_TRUE(id.ok());
  auto job =
      cluster_.WaitForJob(*id, {v1::JOB_STATE_FAILED, v1::JOB_STATE_SUCCEEDED});
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->state(), v1::JOB_STATE_FAILED);
  EXPECT_EQ(job->exit_code(), 3);
  EXPECT_EQ(job->tasks(0).exit_code(), 3);
  EXPECT_EQ(job->tasks(0).state(), v1::TASK_STATE_FAILED);
  CommandResult describe = cluster_.Cli({"job", "describe", *id});
  EXPECT_EQ(describe.exit_code, 0) << describe.err;
  EXPECT_NE(describe.out.find("FAILED"), std::string::npos) << describe.out;
}

TEST_F(FoundationTest, SubmitWaitExitsWithTheJobsOutcome) {
  const std::string ok = cluster_.dir() + "/ok.yaml";
  const std::string bad = cluster_.dir() + "/bad.yaml";
  std::ofstream(ok) << Job("ok", 1, 1, "", "sleep 0.2");
  std::ofstream(bad) << Job("bad", 1, 1, "", "exit 3");
  CommandResult succeeded = cluster_.Cli({"submit", ok, "--wait"});
  EXPECT_EQ(succeeded.exit_code, 0) << succeeded.err;
  ASSERT_EQ(succeeded.out.rfind("j-", 0), 0u) << succeeded.out;
  const std::string id = succeeded.out.substr(0, succeeded.out.size() - 1);
  EXPECT_EQ(cluster_.GetJob(id)->state(), v1::JOB_STATE_SUCCEEDED);

  CommandResult failed = cluster_.Cli({"submit", bad, "--wait"});
  EXPECT_EQ(failed.exit_code, 3);  // the job's own, as sbatch --wait
  EXPECT_NE(failed.err.find("is FAILED: rank 0 exited with code 3"),
            std::string::npos)
      << failed.err;
}

TEST_F(FoundationTest, CancelEndsRunningJobAndItsProcessesAreGone) {
  auto id = cluster_.Submit(
      Job("sleeper", 1, 4, "nvidia/h100",
          "sleep 600 & echo $! > child.pid; echo $$ > main.pid; wait"));
  ASSERT_TRUE(id.ok());
  auto job = cluster_.WaitForJob(*id, {v1::JOB_STATE_RUNNING});
  ASSERT_TRUE(job.ok());
  const std::string dir =
      cluster_.TaskDir(job->tasks(0).node(), job->tasks(0).id());
  pid_t main_pid = WaitForPidFile(dir + "/main.pid");
  pid_t child_pid = WaitForPidFile(dir + "/child.pid");
  ASSERT_GT(main_pid, 0);
  ASSERT_GT(child_pid, 0);
  CommandResult cancel = cluster_.Cli({"cancel", *id});
  EXPECT_EQ(cancel.exit_code, 0) << cancel.err;
  job = cluster_.WaitForJob(*id, {v1::JOB_STATE_CANCELLED});
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->tasks(0).state(), v1::TASK_STATE_CANCELLED);
  EXPECT_TRUE(WaitGone(main_pid));
  EXPECT_TRUE(WaitGone(child_pid));
}

TEST_F(FoundationTest, TooLargeJobPendsWithAReasonTheCliShows) {
  auto id = cluster_.Submit(Job("huge", 3, 8, "nvidia/h100", "true"));
  ASSERT_TRUE(id.ok());
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  CommandResult describe;
  while (absl::Now() < deadline) {
    describe = cluster_.Cli({"job", "describe", *id});
    if (describe.out.find("infeasible") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_NE(describe.out.find("infeasible"), std::string::npos) << describe.out;
  EXPECT_NE(describe.out.find("PENDING"), std::string::npos) << describe.out;
  auto job = cluster_.GetJob(*id);
  EXPECT_EQ(job->state(), v1::JOB_STATE_PENDING);
}

TEST_F(FoundationTest, DrainedNodeReceivesNothingUntilUndrained) {
  CommandResult drain = cluster_.Cli({"drain", "h100-0"});
  ASSERT_EQ(drain.exit_code, 0) << drain.err;
  auto first = cluster_.Submit(Job("a", 1, 8, "nvidia/h100", "sleep 600"));
  auto second = cluster_.Submit(Job("b", 1, 8, "nvidia/h100", "sleep 600"));
  auto running = cluster_.WaitForJob(*first, {v1::JOB_STATE_RUNNING});
  ASSERT_TRUE(running.ok());
  EXPECT_EQ(running->tasks(0).node(), "h100-1");
  auto waiting = cluster_.GetJob(*second);
  EXPECT_EQ(waiting->state(), v1::JOB_STATE_PENDING);
  CommandResult undrain = cluster_.Cli({"undrain", "h100-0"});
  ASSERT_EQ(undrain.exit_code, 0) << undrain.err;
  auto placed = cluster_.WaitForJob(*second, {v1::JOB_STATE_RUNNING});
  ASSERT_TRUE(placed.ok());
  EXPECT_EQ(placed->tasks(0).node(), "h100-0");
}

TEST_F(FoundationTest, BadSpecIsRejectedWithTheFieldNamed) {
  auto id = cluster_.Submit(Job("bad", 0, 1, "", "true"));
  EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(id.status().message().find(
                "task_groups[0].replicas: must be between 1 and 4096"),
            std::string::npos)
      << id.status();
}

TEST_F(FoundationTest, ReportedProgressBecomesTheJobsStepRate) {
  auto id =
      cluster_.Submit(Job("progress", 1, 1, "",
                          "for i in 1 2 3 4 5 6 7 8; do echo steps $((i*50)) > "
                          "$HETSCHED_PROGRESS_FILE; sleep 0.5; done"));
  ASSERT_TRUE(id.ok());
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  double rate = 0;
  while (absl::Now() < deadline && rate == 0) {
    auto job = cluster_.GetJob(*id);
    if (job.ok()) rate = job->steps_per_second();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // 50 steps every half second, sampled about once a second.
  EXPECT_GT(rate, 40);
  EXPECT_LT(rate, 200);
}

TEST_F(FoundationTest, ServiceReplicaThatFailsIsRestartedInPlace) {
  const std::string flag = cluster_.dir() + "/first-run-done";
  auto id = cluster_.Submit(absl::StrCat(
      "name: svc\nkind: inference\ninference: {max_restarts: 2}\n"
      "task_groups:\n  - name: server\n    replicas: 1\n"
      "    accelerators: {count: 2, kinds: [aws/trainium2]}\n"
      "    command: [\"sh\", \"-c\", \"test -e ",
      flag, " || { touch ", flag, "; exit 5; }; echo serving; sleep 600\"]\n"));
  ASSERT_TRUE(id.ok()) << id.status();
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  v1::Job job;
  while (absl::Now() < deadline) {
    job = cluster_.GetJob(*id).value();
    if (job.replica_restarts() == 1 && job.tasks_size() == 2 &&
        job.tasks(1).state() == v1::TASK_STATE_RUNNING) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(job.tasks_size(), 2) << job.DebugString();
  EXPECT_EQ(job.state(), v1::JOB_STATE_RUNNING);
  EXPECT_EQ(job.tasks(0).exit_code(), 5);
  EXPECT_EQ(job.tasks(1).id(), job.tasks(0).id() + "-s1");
  EXPECT_EQ(job.tasks(1).node(), job.tasks(0).node());
  EXPECT_EQ(job.tasks(1).state(), v1::TASK_STATE_RUNNING);
  auto log = cluster_.ReadLog(*id, 0);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_NE(log->find("serving"), std::string::npos);
}

TEST_F(FoundationTest,
       DependentJobsRunAfterSuccessAndAreCancelledAfterFailure) {
  const std::string gate = cluster_.dir() + "/prep-may-finish";
  auto prep = cluster_.Submit(
      Job("prep", 1, 8, "nvidia/h100",
          absl::StrCat("while [ ! -e ", gate, " ]; do sleep 0.05; done")));
  ASSERT_TRUE(prep.ok()) << prep.status();
  auto train = cluster_.Submit(
      absl::StrCat("depends_on: [", *prep, "]\n",
                   Job("train", 1, 8, "nvidia/h100", "echo trained")));
  ASSERT_TRUE(train.ok()) << train.status();
  auto broken = cluster_.Submit(Job("broken", 1, 1, "", "exit 4"));
  auto after_broken = cluster_.Submit(absl::StrCat(
      "depends_on: [", *broken, "]\n", Job("never", 1, 1, "", "true")));
  ASSERT_TRUE(after_broken.ok()) << after_broken.status();

  // Two H100 hosts are free, yet train waits for prep and says so.
  ASSERT_TRUE(cluster_.WaitForJob(*prep, {v1::JOB_STATE_RUNNING}).ok());
  const std::string waiting = absl::StrCat("waiting for ", *prep, " (RUNNING)");
  CommandResult describe;
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    describe = cluster_.Cli({"job", "describe", *train});
    if (describe.out.find(waiting) != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_NE(describe.out.find(waiting), std::string::npos) << describe.out;
  EXPECT_NE(describe.out.find("Depends on"), std::string::npos);
  EXPECT_EQ(cluster_.GetJob(*train)->state(), v1::JOB_STATE_PENDING);

  std::ofstream(gate) << "go\n";
  auto prep_done = cluster_.WaitForJob(*prep, {v1::JOB_STATE_SUCCEEDED});
  auto train_done = cluster_.WaitForJob(
      *train, {v1::JOB_STATE_SUCCEEDED, v1::JOB_STATE_FAILED});
  ASSERT_TRUE(prep_done.ok() && train_done.ok());
  EXPECT_EQ(train_done->state(), v1::JOB_STATE_SUCCEEDED);
  EXPECT_GE(train_done->start_time_ms(), prep_done->end_time_ms());

  // prep held 8 accelerators from RUNNING to its end: usage accounts it.
  CommandResult usage = cluster_.Cli({"usage", "--by", "job", "--since", "1h"});
  EXPECT_EQ(usage.exit_code, 0) << usage.err;
  const size_t row = usage.out.find("\n" + *prep + "  1     0.");
  EXPECT_NE(row, std::string::npos) << usage.out;
  EXPECT_NE(usage.out.find("\nTOTAL "), std::string::npos) << usage.out;
  CommandResult bad = cluster_.Cli({"usage", "--by", "team"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("group_by: must be owner, queue, kind or job"),
            std::string::npos)
      << bad.err;

  auto cancelled =
      cluster_.WaitForJob(*after_broken, {v1::JOB_STATE_CANCELLED});
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_EQ(cancelled->message(),
            absl::StrCat("dependency ", *broken, " ended FAILED"));
  EXPECT_EQ(cancelled->start_time_ms(), 0);  // it never ran

  // A dependency that can never succeed is refused at once, exit 2.
  const std::string late = cluster_.dir() + "/late.yaml";
  std::ofstream(late) << "depends_on: [" << *broken << "]\n"
                      << Job("late", 1, 1, "", "true");
  CommandResult refused = cluster_.Cli({"submit", late});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("depends_on[0]: dependency " + *broken +
                             " ended FAILED"),
            std::string::npos)
      << refused.err;
}

TEST_F(FoundationTest, AcknowledgedJobsSurviveASchedulerCrash) {
  auto id = cluster_.Submit(Job("survivor", 1, 8, "nvidia/h100",
                                "echo started; sleep 2; echo finished"));
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(cluster_.WaitForJob(*id, {v1::JOB_STATE_RUNNING}).ok());
  const int port = cluster_.scheduler_port();
  cluster_.scheduler().Crash();
  ASSERT_TRUE(cluster_.StartScheduler(port).ok());
  auto job =
      cluster_.WaitForJob(*id, {v1::JOB_STATE_SUCCEEDED, v1::JOB_STATE_FAILED});
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->state(), v1::JOB_STATE_SUCCEEDED) << job->DebugString();
}

}  // namespace
}  // namespace hetsched::testing
