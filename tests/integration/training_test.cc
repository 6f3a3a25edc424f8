// Training jobs end to end (issue #11): the launch contract as torchrun
// reads it, on a real 2 x 8 gang whose 16 workers rendezvous over TCP; a
// checkpoint in HETSCHED_JOB_DIR that carries a job across a preemption
// and a failed attempt; and `submit --wait` across a scheduler crash.
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/integration/child_process.h"
#include "tests/integration/local_cluster.h"

namespace hetsched::testing {
namespace {

// Starts PET_NPROC_PER_NODE workers the way torchrun does (RANK =
// node_rank * nproc + local_rank, WORLD_SIZE = nnodes * nproc); each worker
// joins a rendezvous at MASTER_ADDR:MASTER_PORT where rank 0 collects every
// rank and answers with the set it saw.
constexpr char kLauncher[] = R"PY(import os, socket, subprocess, sys, time

def worker():
    rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    addr, port = os.environ["MASTER_ADDR"], int(os.environ["MASTER_PORT"])
    if rank == 0:
        server = socket.create_server((addr, port))
        server.settimeout(60)
        peers, seen = [], {0}
        while len(seen) < world:
            conn, _ = server.accept()
            r, w = conn.makefile().readline().split()
            assert int(w) == world, w
            seen.add(int(r))
            peers.append(conn)
        answer = ("ranks %s\n" % ",".join(map(str, sorted(seen)))).encode()
        for conn in peers:
            conn.sendall(answer)
            conn.close()
        reply = answer.decode()
    else:
        deadline = time.time() + 60
        while True:
            try:
                conn = socket.create_connection((addr, port), timeout=5)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        conn.sendall(("%d %d\n" % (rank, world)).encode())
        reply = conn.makefile().readline()
    # One write(2) per line: eight workers share the replica's stdout, and
    # print() may write the text and its newline separately.
    os.write(1, ("worker rank %d of %d local %s saw %s\n" % (
        rank, world, os.environ["LOCAL_RANK"], reply.strip())).encode())

def launch():
    nnodes = int(os.environ["PET_NNODES"])
    node_rank = int(os.environ["PET_NODE_RANK"])
    nproc = int(os.environ["PET_NPROC_PER_NODE"])
    print("replica %d of %d nproc %d kind %s accelerators %s rank_set %s" % (
        node_rank, nnodes, nproc, os.environ["HETSCHED_ACCELERATOR_KIND"],
        os.environ["HETSCHED_ACCELERATORS"], "RANK" in os.environ), flush=True)
    procs = []
    for local in range(nproc):
        env = dict(os.environ,
                   RANK=str(node_rank * nproc + local),
                   WORLD_SIZE=str(nnodes * nproc),
                   LOCAL_RANK=str(local), LOCAL_WORLD_SIZE=str(nproc),
                   MASTER_ADDR=os.environ["PET_MASTER_ADDR"],
                   MASTER_PORT=os.environ["PET_MASTER_PORT"])
        procs.append(subprocess.Popen([sys.executable, __file__, "worker"],
                                      env=env))
    sys.exit(max(p.wait() for p in procs))

worker() if sys.argv[1:] == ["worker"] else launch()
)PY";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(TrainingTest, TwoByEightGangRendezvousesAsSixteenTorchrunWorkers) {
  LocalCluster cluster;
  ASSERT_TRUE(cluster.StartScheduler().ok());
  auto free_port = FreeLoopbackPort();
  ASSERT_TRUE(free_port.ok()) << free_port.status();
  const int port = *free_port;
  ASSERT_GT(port, 0);
  const std::vector<std::string> ports = {"--rendezvous-ports",
                                          absl::StrCat(port, "-", port + 1)};
  ASSERT_TRUE(
      cluster.StartAgent({"h100-0", "nvidia/h100", 8, "us-a", ports}).ok());
  ASSERT_TRUE(
      cluster.StartAgent({"h100-1", "nvidia/h100", 8, "us-b", ports}).ok());
  ASSERT_TRUE(cluster.WaitForReadyNodes(2).ok());
  const std::string launcher = cluster.dir() + "/launch.py";
  std::ofstream(launcher) << kLauncher;
  auto id = cluster.Submit(
      absl::StrCat("name: ddp\ntask_groups:\n  - name: main\n    replicas: 2\n",
                   "    accelerators: {count: 8, kinds: [nvidia/h100]}\n",
                   "    command: [python3, \"", launcher, "\"]\n"));
  ASSERT_TRUE(id.ok()) << id.status();
  auto job = cluster.WaitForJob(
      *id,
      {v1::JOB_STATE_SUCCEEDED, v1::JOB_STATE_FAILED, v1::JOB_STATE_CANCELLED});
  ASSERT_TRUE(job.ok()) << job.status();
  ASSERT_EQ(job->state(), v1::JOB_STATE_SUCCEEDED) << job->DebugString();
  EXPECT_EQ(job->tasks(0).master_port(), static_cast<uint32_t>(port));
  std::set<int> ranks;
  std::string logs;  // both, for the failure message
  for (uint32_t replica = 0; replica < 2; ++replica) {
    auto log = cluster.ReadLog(*id, replica);
    ASSERT_TRUE(log.ok()) << log.status();
    logs += *log;
    EXPECT_NE(log->find(absl::StrCat("replica ", replica,
                                     " of 2 nproc 8 kind nvidia/h100 "
                                     "accelerators 8 rank_set False")),
              std::string::npos)
        << *log;
    for (absl::string_view line : absl::StrSplit(*log, '\n')) {
      std::vector<std::string> words = absl::StrSplit(line, ' ');
      if (words.size() != 10 || words[0] != "worker") continue;
      int rank = -1;
      ASSERT_TRUE(absl::SimpleAtoi(words[2], &rank)) << line;
      EXPECT_EQ(words[4], "16") << line;
      EXPECT_EQ(words[6], absl::StrCat(rank % 8)) << line;  // LOCAL_RANK
      EXPECT_EQ(words[9], "0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15") << line;
      EXPECT_TRUE(ranks.insert(rank).second) << "rank " << rank << " twice";
      EXPECT_EQ(rank / 8, static_cast<int>(replica)) << line;
    }
  }
  EXPECT_EQ(ranks.size(), 16u) << logs;
  if (!ranks.empty()) {
    EXPECT_EQ(*ranks.begin(), 0);
    EXPECT_EQ(*ranks.rbegin(), 15);
  }
}

// Attempt 0 steps until it is preempted; attempt 1 takes five more steps
// and fails; attempt 2 takes five more and succeeds. Every step is saved to
// HETSCHED_JOB_DIR/ckpt, and each attempt starts from it.
constexpr char kCheckpointing[] =
    "d=$HETSCHED_JOB_DIR; step=$(cat $d/ckpt 2>/dev/null || echo 0); "
    "echo attempt=$HETSCHED_ATTEMPT start=$step >> $d/attempts; "
    "trap 'echo $HETSCHED_ATTEMPT $(cat $HETSCHED_STOP_REASON_FILE) >> "
    "$d/stops; exit 143' TERM; "
    "n=0; while [ $HETSCHED_ATTEMPT = 0 ] || [ $n -lt 5 ]; do "
    "step=$((step+1)); n=$((n+1)); echo $step > $d/ckpt.tmp; "
    "mv $d/ckpt.tmp $d/ckpt; sleep 0.05; done; "
    "[ $HETSCHED_ATTEMPT = 1 ] && exit 3; exit 0";

int StepOf(const std::string& line) {
  int step = -1;
  const size_t at = line.find("start=");
  if (at != std::string::npos) {
    (void)absl::SimpleAtoi(line.substr(at + 6), &step);
  }
  return step;
}

TEST(TrainingTest, CheckpointCarriesAcrossPreemptionAndRetry) {
  LocalCluster cluster;
  ASSERT_TRUE(cluster.StartScheduler().ok());
  ASSERT_TRUE(cluster.StartAgent({"h100-0", "nvidia/h100", 8, "us-a"}).ok());
  ASSERT_TRUE(cluster.WaitForReadyNodes(1).ok());
  auto id = cluster.Submit(absl::StrCat(
      "name: ckpt\npreemptible: true\npriority: 0\nretry: {max_retries: 3}\n",
      "termination_grace_s: 20\n",
      "task_groups:\n  - name: main\n    replicas: 1\n",
      "    accelerators: {count: 8, kinds: [nvidia/h100]}\n",
      "    command: [sh, -c, \"", kCheckpointing, "\"]\n"));
  ASSERT_TRUE(id.ok()) << id.status();
  const std::string job_dir = cluster.dir() + "/h100-0/jobs/" + *id;

  // Once attempt 0 has saved a few steps, a more important job takes the
  // host.
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  int saved = 0;
  while (absl::Now() < deadline) {
    std::string text = ReadFile(job_dir + "/ckpt");
    if (absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &saved) &&
        saved >= 5) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_GE(saved, 5);
  auto urgent = cluster.Submit(
      "name: urgent\npriority: 10\ntask_groups:\n  - name: main\n"
      "    replicas: 1\n    accelerators: {count: 8, kinds: [nvidia/h100]}\n"
      "    command: [\"true\"]\n");
  ASSERT_TRUE(urgent.ok()) << urgent.status();

  auto job = cluster.WaitForJob(
      *id,
      {v1::JOB_STATE_SUCCEEDED, v1::JOB_STATE_FAILED, v1::JOB_STATE_CANCELLED},
      absl::Seconds(120));
  ASSERT_TRUE(job.ok()) << job.status();
  ASSERT_EQ(job->state(), v1::JOB_STATE_SUCCEEDED) << job->DebugString();
  EXPECT_EQ(job->attempt(), 2u);
  auto done = cluster.WaitForJob(*urgent, {v1::JOB_STATE_SUCCEEDED});
  EXPECT_TRUE(done.ok()) << done.status();

  EXPECT_EQ(ReadFile(job_dir + "/stops"), "0 preempted\n");
  std::vector<std::string> attempts =
      absl::StrSplit(ReadFile(job_dir + "/attempts"), '\n', absl::SkipEmpty());
  ASSERT_EQ(attempts.size(), 3u) << ReadFile(job_dir + "/attempts");
  EXPECT_EQ(attempts[0], "attempt=0 start=0");
  EXPECT_EQ(attempts[1].rfind("attempt=1 ", 0), 0u) << attempts[1];
  EXPECT_EQ(attempts[2].rfind("attempt=2 ", 0), 0u) << attempts[2];
  const int resumed = StepOf(attempts[1]);
  EXPECT_GE(resumed, saved);  // not from zero
  EXPECT_EQ(StepOf(attempts[2]), resumed + 5);
  EXPECT_EQ(ReadFile(job_dir + "/ckpt"), absl::StrCat(resumed + 10, "\n"));
}

TEST(TrainingTest, SubmitWaitOutlivesASchedulerRestartAndExitsWithTheJobsCode) {
  LocalCluster cluster;
  ASSERT_TRUE(cluster.StartScheduler().ok());
  ASSERT_TRUE(cluster.StartAgent({"h100-0", "nvidia/h100", 8, "us-a"}).ok());
  ASSERT_TRUE(cluster.WaitForReadyNodes(1).ok());
  const std::string go = cluster.dir() + "/go";
  const std::string spec = cluster.dir() + "/wait.yaml";
  std::ofstream(spec) << absl::StrCat(
      "name: waits\ntask_groups:\n  - name: main\n    replicas: 1\n",
      "    accelerators: {count: 1}\n", "    command: [sh, -c, \"while [ ! -e ",
      go, " ]; do sleep 0.05; done; exit 7\"]\n");
  const int port = cluster.scheduler_port();
  const std::string out = cluster.dir() + "/wait.out";
  auto cli = ChildProcess::Start(
      {HETSCHED_CLI_BIN, "--scheduler", absl::StrCat("127.0.0.1:", port),
       "submit", spec, "--wait"},
      out);
  ASSERT_TRUE(cli.ok()) << cli.status();

  // The id is the CLI's first line.
  std::string id;
  absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline && id.empty()) {
    const std::string text = (*cli)->Stdout();
    if (text.find('\n') != std::string::npos) {
      id = text.substr(0, text.find('\n'));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(id.rfind("j-", 0), 0u) << (*cli)->Log();
  ASSERT_TRUE(cluster.WaitForJob(id, {v1::JOB_STATE_RUNNING}).ok());

  cluster.scheduler().Crash();
  ASSERT_TRUE(cluster.StartScheduler(port).ok());
  // The task ends only once its agent is back with it: a task that ends
  // before its agent re-registers is reported LOST today, which is the
  // agent's reconciliation to fix, not this test's subject.
  ASSERT_TRUE(cluster.WaitForReadyNodes(1).ok());
  std::ofstream(go) << "now\n";

  deadline = absl::Now() + absl::Seconds(60);
  while (absl::Now() < deadline && !ProcessGone((*cli)->pid())) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(ProcessGone((*cli)->pid())) << (*cli)->Log();
  const int status = (*cli)->Stop();
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 7) << (*cli)->Log();
  EXPECT_NE((*cli)->Log().find("is FAILED: rank 0 exited with code 7"),
            std::string::npos)
      << (*cli)->Log();
}

}  // namespace
}  // namespace hetsched::testing
