// Drives the whole command line (flags, channel, commands, exit codes)
// against an in-process fake scheduler on a loopback port the kernel picks.
#include <algorithm>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/app.h"
#include "common/build_info.h"
#include "common/clock.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "hetsched/v1/scheduler.grpc.pb.h"
#include "nlohmann/json.hpp"

namespace hetsched::cli {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;

// Canned jobs and nodes; records what the CLI asked for. Called on gRPC's
// threads, so the records sit behind a mutex.
class FakeScheduler final : public v1::JobService::Service,
                            public v1::NodeService::Service {
 public:
  FakeScheduler() {
    v1::Job& job = jobs_.emplace_back();
    job.set_id("j-1");
    job.set_state(v1::JOB_STATE_RUNNING);
    job.set_replicas_running(2);  // as the scheduler derives it
    job.set_submit_time_ms(kNow - 120'000);
    job.mutable_spec()->set_name("train-demo");
    job.mutable_spec()->set_owner("alice");
    job.mutable_spec()->set_queue("default");
    auto* g = job.mutable_spec()->add_task_groups();
    g->set_name("workers");
    g->set_replicas(2);
    g->mutable_accelerators()->set_count(8);
    for (uint32_t rank = 0; rank < 2; ++rank) {
      auto* t = job.add_tasks();
      t->set_rank(rank);
      t->set_task_group("workers");
      t->set_state(v1::TASK_STATE_RUNNING);
      t->set_node(rank == 0 ? "h100-a" : "h100-b");
      t->set_accelerator_kind("nvidia/h100");
    }
    // Known to GetJob only, so the listings stay as they were.
    v1::Job& failed = ended_.emplace_back();
    failed.set_id("j-3");
    failed.set_state(v1::JOB_STATE_FAILED);
    failed.set_exit_code(3);
    failed.set_message("rank 0 exited with code 3");
    v1::Job& cancelled = ended_.emplace_back();
    cancelled.set_id("j-4");
    cancelled.set_state(v1::JOB_STATE_CANCELLED);
    v1::Job& pending = jobs_.emplace_back();
    pending.set_id("j-2");
    pending.set_state(v1::JOB_STATE_PENDING);
    pending.set_pending_reason("not enough accelerators");
    pending.mutable_spec()->set_name("big");

    v1::Node& node = nodes_.emplace_back();
    node.mutable_info()->set_name("h100-a");
    node.mutable_info()->add_accelerators()->set_kind("nvidia/h100");
    node.set_state(v1::NODE_STATE_READY);
    node.set_connected(true);
  }

  grpc::Status SubmitJob(grpc::ServerContext*, const v1::SubmitJobRequest* req,
                         v1::SubmitJobResponse* resp) override {
    std::lock_guard<std::mutex> lock(mu_);
    submitted_.push_back(req->spec());
    resp->set_job_id(submit_id_);
    return grpc::Status::OK;
  }
  grpc::Status GetJob(grpc::ServerContext*, const v1::GetJobRequest* req,
                      v1::Job* resp) override {
    for (const auto* list : {&jobs_, &ended_}) {
      for (const auto& job : *list) {
        if (job.id() == req->job_id()) {
          *resp = job;
          return grpc::Status::OK;
        }
      }
    }
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        absl::StrCat("job ", req->job_id(), " not found"));
  }
  grpc::Status ListJobs(grpc::ServerContext*, const v1::ListJobsRequest* req,
                        v1::ListJobsResponse* resp) override {
    std::lock_guard<std::mutex> lock(mu_);
    last_list_ = *req;
    list_pages_.push_back(*req);
    // Pages of page_size_ jobs when set; the token is the next index.
    size_t first =
        req->page_token().empty() ? 0 : std::stoul(req->page_token());
    size_t end = page_size_ == 0 ? jobs_.size()
                                 : std::min(jobs_.size(), first + page_size_);
    for (size_t i = first; i < end; ++i) *resp->add_jobs() = jobs_[i];
    if (end < jobs_.size()) resp->set_next_page_token(std::to_string(end));
    return grpc::Status::OK;
  }
  grpc::Status CancelJob(grpc::ServerContext*, const v1::CancelJobRequest* req,
                         v1::CancelJobResponse* resp) override {
    resp->mutable_job()->set_id(req->job_id());
    resp->mutable_job()->set_state(v1::JOB_STATE_CANCELLED);
    return grpc::Status::OK;
  }
  grpc::Status WatchJob(grpc::ServerContext*, const v1::WatchJobRequest* req,
                        grpc::ServerWriter<v1::JobEvent>* writer) override {
    bool breaks = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++watch_calls_;
      if (watch_breaks_ > 0) {
        --watch_breaks_;
        breaks = true;
      }
    }
    for (const char* type : {"SUBMITTED", "PLACED"}) {
      v1::JobEvent e;
      e.set_job_id(req->job_id());
      e.set_time_ms(kNow);
      e.set_type(type);
      writer->Write(e);
      // A scheduler going away in the middle of the stream.
      if (breaks) {
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, "Socket closed");
      }
    }
    return grpc::Status::OK;
  }
  grpc::Status GetTaskLogs(grpc::ServerContext*,
                           const v1::GetTaskLogsRequest* req,
                           grpc::ServerWriter<v1::LogChunk>* writer) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      last_logs_ = *req;
    }
    if (req->rank() == 9) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          "agent at 10.0.0.9:7071 is unreachable");
    }
    const std::vector<std::string> lines = {"step 1\n", "step 2\n", "done\n"};
    uint64_t offset = 0;
    for (size_t i = 0; i < lines.size(); ++i) {
      v1::LogChunk chunk;
      chunk.set_data(lines[i]);
      chunk.set_offset(offset);
      offset += lines[i].size();
      chunk.set_eof(i + 1 == lines.size());
      if (offset > req->offset()) writer->Write(chunk);
    }
    return grpc::Status::OK;
  }

  grpc::Status ListNodes(grpc::ServerContext*, const v1::ListNodesRequest*,
                         v1::ListNodesResponse* resp) override {
    for (const auto& node : nodes_) *resp->add_nodes() = node;
    return grpc::Status::OK;
  }
  grpc::Status GetNode(grpc::ServerContext*, const v1::GetNodeRequest* req,
                       v1::Node* resp) override {
    if (req->name() != "h100-a") {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "no such node");
    }
    *resp = nodes_[0];
    return grpc::Status::OK;
  }
  grpc::Status DrainNode(grpc::ServerContext*, const v1::DrainNodeRequest* req,
                         v1::Node* resp) override {
    std::lock_guard<std::mutex> lock(mu_);
    drain_reason_ = req->reason();
    *resp = nodes_[0];
    resp->set_state(v1::NODE_STATE_DRAINED);
    resp->set_state_reason(req->reason());
    return grpc::Status::OK;
  }
  grpc::Status UndrainNode(grpc::ServerContext*, const v1::UndrainNodeRequest*,
                           v1::Node* resp) override {
    *resp = nodes_[0];
    return grpc::Status::OK;
  }

  std::vector<v1::JobSpec> submitted() {
    std::lock_guard<std::mutex> lock(mu_);
    return submitted_;
  }
  v1::ListJobsRequest last_list() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_list_;
  }
  std::vector<v1::ListJobsRequest> list_pages() {
    std::lock_guard<std::mutex> lock(mu_);
    return list_pages_;
  }
  void set_page_size(size_t n) {
    std::lock_guard<std::mutex> lock(mu_);
    page_size_ = n;
  }
  void set_submit_id(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    submit_id_ = id;
  }
  void set_watch_breaks(int n) {
    std::lock_guard<std::mutex> lock(mu_);
    watch_breaks_ = n;
  }
  int watch_calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return watch_calls_;
  }
  v1::GetTaskLogsRequest last_logs() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_logs_;
  }
  std::string drain_reason() {
    std::lock_guard<std::mutex> lock(mu_);
    return drain_reason_;
  }

 private:
  std::vector<v1::Job> jobs_;
  std::vector<v1::Job> ended_;
  std::vector<v1::Node> nodes_;
  std::mutex mu_;
  std::vector<v1::JobSpec> submitted_;
  v1::ListJobsRequest last_list_;
  std::vector<v1::ListJobsRequest> list_pages_;
  size_t page_size_ = 0;  // 0: everything on one page
  v1::GetTaskLogsRequest last_logs_;
  std::string drain_reason_;
  int watch_breaks_ = 0;  // WatchJob calls still to break after one event
  int watch_calls_ = 0;
  std::string submit_id_ = "j-new";
};

struct Result {
  int code;
  std::string out;
  std::string err;
};

class CliServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(static_cast<v1::JobService::Service*>(&fake_));
    builder.RegisterService(static_cast<v1::NodeService::Service*>(&fake_));
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port, 0);
    address_ = absl::StrCat("127.0.0.1:", port);
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  // Runs `hetsched --scheduler ADDRESS args...`.
  Result Run(std::vector<std::string> args) {
    args.insert(args.begin(), {"hetsched", "--scheduler", address_});
    return RunRaw(args);
  }
  Result RunRaw(const std::vector<std::string>& args) {
    std::ostringstream out, err;
    CliEnvironment env;
    env.out = &out;
    env.err = &err;
    env.getenv = [](const std::string& name) {
      return name == "USER" ? std::string("bob") : std::string();
    };
    env.clock = &clock_;
    int code = RunCli(args, env);
    return {code, out.str(), err.str()};
  }

  std::string WriteSpec(const std::string& name, const std::string& yaml) {
    std::string path = ::testing::TempDir() + "/" + name;
    std::ofstream(path) << yaml;
    return path;
  }

  FakeScheduler fake_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  FakeClock clock_{absl::FromUnixMillis(kNow)};
};

TEST_F(CliServiceTest, VersionNamesTheBuildAndCallsNothing) {
  Result r = RunRaw({"hetsched", "--version"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, VersionLine("hetsched") + "\n");
  EXPECT_EQ(r.out.rfind("hetsched 0.", 0), 0u) << r.out;
}

TEST_F(CliServiceTest, JobsTableHasOneRowPerJob) {
  Result r = Run({"jobs"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("ID   NAME"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("j-1  train-demo  default  alice  RUNNING  2/2"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("2x8 nvidia/h100  2m"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("j-2  big"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("not enough accelerators"), std::string::npos);
}

TEST_F(CliServiceTest, JobsJsonParsesAndKeepsProtoNames) {
  Result r = Run({"jobs", "-o", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto doc = nlohmann::json::parse(r.out);
  ASSERT_EQ(doc["jobs"].size(), 2u);
  EXPECT_EQ(doc["jobs"][0]["id"], "j-1");
  EXPECT_EQ(doc["jobs"][1]["pending_reason"], "not enough accelerators");
  EXPECT_EQ(doc["jobs"][0]["state"], "JOB_STATE_RUNNING");
}

TEST_F(CliServiceTest, JobsSendsTheFilters) {
  Result r = Run({"jobs", "--state", "running,pending", "--owner", "alice",
                  "--queue", "q", "--limit", "5"});
  ASSERT_EQ(r.code, 0) << r.err;
  v1::ListJobsRequest req = fake_.last_list();
  ASSERT_EQ(req.states_size(), 2);
  EXPECT_EQ(req.states(0), v1::JOB_STATE_RUNNING);
  EXPECT_EQ(req.states(1), v1::JOB_STATE_PENDING);
  EXPECT_EQ(req.owner(), "alice");
  EXPECT_EQ(req.queue(), "q");
  EXPECT_EQ(req.limit(), 5u);
}

TEST_F(CliServiceTest, JobsShowsLiveJobsUnlessAskedForHistory) {
  ASSERT_EQ(Run({"jobs"}).code, 0);
  v1::ListJobsRequest live = fake_.last_list();
  ASSERT_EQ(live.states_size(), 2);
  EXPECT_EQ(live.states(0), v1::JOB_STATE_PENDING);
  EXPECT_EQ(live.states(1), v1::JOB_STATE_RUNNING);
  EXPECT_EQ(live.ended_since_ms(), 0);

  ASSERT_EQ(Run({"jobs", "--all"}).code, 0);
  EXPECT_EQ(fake_.last_list().states_size(), 0);
  EXPECT_EQ(fake_.last_list().ended_since_ms(), 0);

  ASSERT_EQ(Run({"jobs", "--since", "1h"}).code, 0);
  EXPECT_EQ(fake_.last_list().states_size(), 0);
  EXPECT_EQ(fake_.last_list().ended_since_ms(), kNow - 3'600'000);

  Result bad = Run({"jobs", "--since", "yesterday"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("--since"), std::string::npos) << bad.err;
}

TEST_F(CliServiceTest, JobsPagesThroughToTheLastPage) {
  fake_.set_page_size(1);
  Result r = Run({"jobs", "--all", "-o", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto doc = nlohmann::json::parse(r.out);
  ASSERT_EQ(doc["jobs"].size(), 2u);
  EXPECT_EQ(doc["jobs"][1]["id"], "j-2");
  const auto pages = fake_.list_pages();
  ASSERT_EQ(pages.size(), 2u);
  EXPECT_EQ(pages[1].page_token(), "1");
}

TEST_F(CliServiceTest, UnknownStateFilterIsBadInput) {
  Result r = Run({"jobs", "--state", "sleeping"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("hetsched: --state: unknown state 'sleeping'"),
            std::string::npos)
      << r.err;
}

TEST_F(CliServiceTest, SubmitOfABadSpecNamesTheFieldWithoutAnyRpc) {
  const std::string path = WriteSpec("bad.yaml", R"(
name: train-demo
task_groups:
  - name: workers
    replicas: 0
    command: [sh]
)");
  Result r = Run({"submit", path});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("hetsched: " + path +
                       ": task_groups[0].replicas: must be between 1 and 4096"),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(fake_.submitted().empty());
}

TEST_F(CliServiceTest, SubmitFillsOwnerAndPrintsTheJobId) {
  const std::string path = WriteSpec("good.yaml", R"(
name: train-demo
task_groups:
  - replicas: 2
    accelerators: {count: 8, kinds: [nvidia/h100]}
    command: [sh, -c, "echo $RANK"]
)");
  Result r = Run({"submit", path});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "j-new\n");
  auto submitted = fake_.submitted();
  ASSERT_EQ(submitted.size(), 1u);
  EXPECT_EQ(submitted[0].owner(), "bob");
  EXPECT_EQ(submitted[0].queue(), "default");

  r = Run({"-o", "json", "submit", path});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["job_id"], "j-new");
}

TEST_F(CliServiceTest, SubmitAfterAddsDependenciesAndChecksThem) {
  const std::string path = WriteSpec("after.yaml", R"(
name: eval
depends_on: [j-000001]
task_groups:
  - replicas: 1
    command: ["true"]
)");
  Result r = Run({"submit", path, "--after", "j-000002,j-000003"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto submitted = fake_.submitted();
  ASSERT_EQ(submitted.size(), 1u);
  EXPECT_EQ(std::vector<std::string>(submitted[0].depends_on().begin(),
                                     submitted[0].depends_on().end()),
            (std::vector<std::string>{"j-000001", "j-000002", "j-000003"}));

  r = Run({"submit", path, "--after", "eval-run"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("depends_on[1]: must be a job id"), std::string::npos)
      << r.err;
  EXPECT_EQ(fake_.submitted().size(), 1u);  // nothing sent
}

TEST_F(CliServiceTest, SubmitTakesEveryKindOfDependency) {
  const std::string path = WriteSpec("kinds.yaml", R"(
name: cleanup
task_groups:
  - replicas: 1
    command: ["true"]
)");
  Result r =
      Run({"submit", path, "--afterok", "j-000001", "--afterany",
           "j-000002,j-000003", "--afternotok", "j-000004", "--singleton"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto submitted = fake_.submitted();
  ASSERT_EQ(submitted.size(), 1u);
  const v1::JobSpec& spec = submitted[0];
  EXPECT_EQ(std::vector<std::string>(spec.depends_on().begin(),
                                     spec.depends_on().end()),
            (std::vector<std::string>{"j-000001"}));
  EXPECT_EQ(std::vector<std::string>(spec.depends_on_any().begin(),
                                     spec.depends_on_any().end()),
            (std::vector<std::string>{"j-000002", "j-000003"}));
  EXPECT_EQ(std::vector<std::string>(spec.depends_on_not_ok().begin(),
                                     spec.depends_on_not_ok().end()),
            (std::vector<std::string>{"j-000004"}));
  EXPECT_TRUE(spec.singleton());

  // One job in two lists could never start: refused before any RPC.
  r = Run(
      {"submit", path, "--afterok", "j-000001", "--afternotok", "j-000001"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("depends_on_not_ok[0]: j-000001 is already in "
                       "depends_on[0]"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(fake_.submitted().size(), 1u);
}

TEST_F(CliServiceTest, DescribeShowsReplicas) {
  Result r = Run({"job", "describe", "j-1"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("0     workers  RUNNING  h100-a"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("1     workers  RUNNING  h100-b"), std::string::npos);
}

TEST_F(CliServiceTest, DescribeOfAnUnknownJobExitsTwo) {
  Result r = Run({"job", "describe", "j-404", "-o", "json"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "hetsched: job j-404 not found\n");
  EXPECT_EQ(r.out, "");
}

TEST_F(CliServiceTest, UnreachableSchedulerExitsOne) {
  // A socket path nobody listens on: refused at once, no port involved.
  const std::string address =
      "unix:" + ::testing::TempDir() + "/no-scheduler.sock";
  Result r =
      RunRaw({"hetsched", "--scheduler", address, "--timeout-s", "5", "nodes"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err.rfind("hetsched: cannot reach scheduler at " + address, 0),
            0u)
      << r.err;
}

TEST_F(CliServiceTest, LogsFollowWritesEveryChunk) {
  Result r = Run({"logs", "j-1", "--rank", "1", "--stderr", "--follow"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "step 1\nstep 2\ndone\n");
  v1::GetTaskLogsRequest req = fake_.last_logs();
  EXPECT_EQ(req.job_id(), "j-1");
  EXPECT_EQ(req.rank(), 1u);
  EXPECT_TRUE(req.follow());
  EXPECT_EQ(req.stream(), "stderr");
}

TEST_F(CliServiceTest, LogsTailPrintsOnlyTheLastLines) {
  Result r = Run({"logs", "j-1", "--tail", "2"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "step 2\ndone\n");
  EXPECT_FALSE(fake_.last_logs().has_attempt());
}

TEST_F(CliServiceTest, LogsAttemptAsksForThatAttempt) {
  Result r = Run({"logs", "j-1", "--attempt", "1"});
  ASSERT_EQ(r.code, 0) << r.err;
  ASSERT_TRUE(fake_.last_logs().has_attempt());
  EXPECT_EQ(fake_.last_logs().attempt(), 1u);
}

TEST_F(CliServiceTest, LogsAllRanksPrefixesEveryLineWithItsRank) {
  Result r = Run({"logs", "j-1", "--all-ranks", "--tail", "1"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "[rank 0] done\n[rank 1] done\n");
  r = Run({"logs", "j-1", "--all-ranks"});
  EXPECT_EQ(r.out,
            "[rank 0] step 1\n[rank 0] step 2\n[rank 0] done\n"
            "[rank 1] step 1\n[rank 1] step 2\n[rank 1] done\n");
  EXPECT_EQ(Run({"logs", "j-1", "--all-ranks", "-f"}).code, 2);
}

TEST_F(CliServiceTest, WatchReconnectsAndResumesAfterTheLastEvent) {
  fake_.set_watch_breaks(2);
  Result r = Run({"watch", "j-1"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(fake_.watch_calls(), 3);
  // Each event once, though the first was replayed twice.
  EXPECT_EQ(r.out.find("SUBMITTED"), r.out.rfind("SUBMITTED")) << r.out;
  EXPECT_NE(r.out.find("PLACED"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("job j-1 is RUNNING"), std::string::npos);
}

TEST_F(CliServiceTest, SubmitWaitExitsWithTheJobsOwnExitCode) {
  const std::string spec = WriteSpec(
      "wait.yaml", "name: w\ntask_groups:\n  - {replicas: 1, command: [t]}\n");
  fake_.set_submit_id("j-3");  // FAILED with exit code 3
  Result failed = Run({"submit", spec, "--wait"});
  EXPECT_EQ(failed.code, 3) << failed.err;
  EXPECT_EQ(failed.err,
            "hetsched: job j-3 is FAILED: rank 0 exited with code 3\n");
  fake_.set_submit_id("j-4");  // CANCELLED
  EXPECT_EQ(Run({"submit", spec, "--wait"}).code, 1);
}

TEST_F(CliServiceTest, WatchGivesUpOnAnUnreachableSchedulerWithItsOwnCode) {
  const std::string address =
      "unix:" + ::testing::TempDir() + "/no-scheduler.sock";
  Result r = RunRaw({"hetsched", "--scheduler", address, "watch", "j-1",
                     "--reconnect-timeout-s", "0.3"});
  EXPECT_EQ(r.code, 69);
  EXPECT_EQ(r.err.rfind("hetsched: cannot reach scheduler at " + address, 0),
            0u)
      << r.err;
  EXPECT_NE(r.err.find("job j-1 may still be running"), std::string::npos)
      << r.err;
}

TEST_F(CliServiceTest, UnavailableFromTheSchedulerIsNotBlamedOnTheConnection) {
  Result r = Run({"logs", "j-1", "--rank", "9"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "hetsched: agent at 10.0.0.9:7071 is unreachable\n");
}

TEST_F(CliServiceTest, WatchPrintsEventsThenTheFinalState) {
  Result r = Run({"watch", "j-1"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("SUBMITTED"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("PLACED"), std::string::npos);
  EXPECT_NE(r.out.find("job j-1 is RUNNING"), std::string::npos);
}

TEST_F(CliServiceTest, CancelReportsTheState) {
  Result r = Run({"cancel", "j-1"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "job j-1: CANCELLED\n");
}

TEST_F(CliServiceTest, NodeCommands) {
  Result r = Run({"nodes"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("h100-a  READY  nvidia/h100  0/1"), std::string::npos)
      << r.out;

  r = Run({"nodes", "-o", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["nodes"][0]["info"]["name"], "h100-a");

  r = Run({"drain", "h100-a", "--reason", "bad fan"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "node h100-a: DRAINED (bad fan)\n");
  EXPECT_EQ(fake_.drain_reason(), "bad fan");

  r = Run({"node", "describe", "nope"});
  EXPECT_EQ(r.code, 2);
}

TEST_F(CliServiceTest, BadFlagsExitTwo) {
  Result r = Run({"jobs", "--bogus"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err.rfind("hetsched: ", 0), 0u);
  EXPECT_EQ(Run({"-o", "yaml", "jobs"}).code, 2);
  EXPECT_EQ(Run({}).code, 2);
}

}  // namespace
}  // namespace hetsched::cli
