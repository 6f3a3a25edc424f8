#include "scheduler/control/control_plane.h"

#include <stdlib.h>

#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "gtest/gtest.h"
#include "scheduler/control/cluster_snapshot.h"
#include "scheduler/control/control_plane_fixture.h"

namespace hetsched::control {
namespace {

using testing::ControlPlaneTest;
using testing::Gang;
using testing::Host;
using testing::RecordingSink;

TEST_F(ControlPlaneTest, GangRunsToSuccessAcrossTwoHosts) {
  auto id = cp_->SubmitJob(Gang(2, 8));
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(StateOf(*id), v1::JOB_STATE_PENDING);
  EXPECT_EQ(cp_->Tick(), 1);
  ASSERT_EQ(h0_->Assignments().size(), 1u);
  ASSERT_EQ(h1_->Assignments().size(), 1u);
  v1::TaskAssignment a0 = h0_->Assignments()[0];
  v1::TaskAssignment a1 = h1_->Assignments()[0];
  // Eight accelerators per replica: torchrun numbers the processes, the
  // scheduler the replicas.
  EXPECT_EQ(a0.env().at("PET_NODE_RANK"), "0");
  EXPECT_EQ(a1.env().at("PET_NODE_RANK"), "1");
  EXPECT_EQ(a1.env().at("PET_NNODES"), "2");
  EXPECT_EQ(a1.env().at("PET_NPROC_PER_NODE"), "8");
  EXPECT_FALSE(a1.env().contains("RANK"));
  EXPECT_EQ(a1.env().at("MASTER_ADDR"), "127.0.0.1");
  // Rank 0's node's first rendezvous port; only its agent checks it.
  EXPECT_EQ(a1.env().at("MASTER_PORT"), "29500");
  EXPECT_EQ(a0.master_port(), 29500u);
  EXPECT_EQ(a1.master_port(), 0u);
  EXPECT_EQ(a1.device_indices_size(), 8);
  Report("h0", a0, v1::TASK_STATE_RUNNING);
  Report("h1", a1, v1::TASK_STATE_RUNNING);
  Report("h0", a0, v1::TASK_STATE_SUCCEEDED);
  EXPECT_EQ(StateOf(*id), v1::JOB_STATE_RUNNING);
  Report("h1", a1, v1::TASK_STATE_SUCCEEDED);
  EXPECT_EQ(StateOf(*id), v1::JOB_STATE_SUCCEEDED);
  EXPECT_EQ(cp_->GetNode("h0")->accelerators_allocated(), 0u);
}

TEST_F(ControlPlaneTest, FailedReplicaStopsGangAndFailsWithItsExitCode) {
  auto id = cp_->SubmitJob(Gang(2, 8));
  cp_->Tick();
  v1::TaskAssignment a0 = h0_->Assignments()[0];
  v1::TaskAssignment a1 = h1_->Assignments()[0];
  Report("h0", a0, v1::TASK_STATE_RUNNING);
  Report("h1", a1, v1::TASK_STATE_RUNNING);
  Report("h1", a1, v1::TASK_STATE_FAILED, 3);
  ASSERT_EQ(h0_->Kills().size(), 1u);
  EXPECT_EQ(h0_->Kills()[0].task_id(), a0.task_id());
  Report("h0", a0, v1::TASK_STATE_CANCELLED, -15);
  v1::Job job = cp_->GetJob(*id).value();
  EXPECT_EQ(job.state(), v1::JOB_STATE_FAILED);
  EXPECT_EQ(job.exit_code(), 3);
  EXPECT_EQ(job.message(), "rank 1 exited with code 3");
}

TEST_F(ControlPlaneTest, RetryStartsANewAttempt) {
  auto id = cp_->SubmitJob(Gang(1, 8, /*retries=*/1));
  cp_->Tick();
  v1::TaskAssignment a = h0_->Assignments()[0];
  Report("h0", a, v1::TASK_STATE_FAILED, 1);
  EXPECT_EQ(StateOf(*id), v1::JOB_STATE_PENDING);
  clock_.Advance(absl::Seconds(10));  // the retry back-off
  ASSERT_TRUE(cp_->Heartbeat("h0", v1::Heartbeat()).ok());
  cp_->Tick();
  auto all = h0_->Assignments();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].task_id(), *id + "-r0-a1");
  EXPECT_EQ(all[1].env().at("HETSCHED_ATTEMPT"), "1");
  // Both attempts' logs can be found; the newest by default.
  EXPECT_EQ(cp_->LocateTaskLog(*id, 0)->task_id, *id + "-r0-a1");
  EXPECT_EQ(cp_->LocateTaskLog(*id, 0, 0)->task_id, *id + "-r0-a0");
  EXPECT_EQ(cp_->LocateTaskLog(*id, 0, 5).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(ControlPlaneTest, CancelPendingAndRunningJobs) {
  auto big = cp_->SubmitJob(Gang(3, 8));
  ASSERT_TRUE(cp_->CancelJob(*big, "").ok());
  EXPECT_EQ(StateOf(*big), v1::JOB_STATE_CANCELLED);
  EXPECT_EQ(cp_->CancelJob(*big, "").status().code(),
            absl::StatusCode::kFailedPrecondition);
  auto run = cp_->SubmitJob(Gang(1, 8));
  cp_->Tick();
  v1::TaskAssignment a = h0_->Assignments()[0];
  Report("h0", a, v1::TASK_STATE_RUNNING);
  ASSERT_TRUE(cp_->CancelJob(*run, "stop").ok());
  EXPECT_EQ(StateOf(*run), v1::JOB_STATE_RUNNING);
  ASSERT_EQ(h0_->Kills().size(), 1u);
  EXPECT_EQ(h0_->Kills()[0].grace_period_s(), 30u);  // the default
  Report("h0", a, v1::TASK_STATE_CANCELLED);
  EXPECT_EQ(StateOf(*run), v1::JOB_STATE_CANCELLED);
}

TEST_F(ControlPlaneTest, JobsWithRankZeroOnOneNodeGetDistinctPortsOfItsRange) {
  auto a100 = std::make_shared<RecordingSink>();
  v1::RegisterRequest host = Host("h2", "nvidia/a100", 2);
  host.mutable_node()->set_rendezvous_port_min(40000);
  host.mutable_node()->set_rendezvous_port_max(40009);
  ASSERT_TRUE(cp_->RegisterAgent(host, a100).ok());
  auto on_a100 = [] {
    v1::JobSpec spec = Gang(1, 1);
    spec.mutable_task_groups(0)->mutable_accelerators()->add_kinds(
        "nvidia/a100");
    spec.set_termination_grace_s(90);
    return spec;
  };
  ASSERT_TRUE(cp_->SubmitJob(on_a100()).ok());
  ASSERT_TRUE(cp_->SubmitJob(on_a100()).ok());
  cp_->Tick();
  std::vector<v1::TaskAssignment> got = a100->Assignments();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].env().at("MASTER_PORT"), "40000");
  EXPECT_EQ(got[1].env().at("MASTER_PORT"), "40002");
  // The first job's pair is free again once it has ended.
  Report("h2", got[0], v1::TASK_STATE_RUNNING);
  Report("h2", got[0], v1::TASK_STATE_SUCCEEDED);
  ASSERT_TRUE(cp_->SubmitJob(on_a100()).ok());
  cp_->Tick();
  got = a100->Assignments();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2].env().at("MASTER_PORT"), "40000");
  EXPECT_EQ(got[2].termination_grace_s(), 90u);
}

TEST_F(ControlPlaneTest, InfeasibleJobPendsWithReason) {
  auto id = cp_->SubmitJob(Gang(3, 8));
  cp_->Tick();
  v1::Job job = cp_->GetJob(*id).value();
  EXPECT_EQ(job.state(), v1::JOB_STATE_PENDING);
  EXPECT_NE(job.pending_reason().find("infeasible"), std::string::npos)
      << job.pending_reason();
}

TEST_F(ControlPlaneTest, ABusyDrainedNodeIsDrainingUntilItsLastTaskEnds) {
  ASSERT_TRUE(cp_->SubmitJob(Gang(1, 8)).ok());
  cp_->Tick();
  ASSERT_EQ(h0_->Assignments().size(), 1u);
  auto draining = cp_->SetDrained("h0", true, "kernel upgrade");
  ASSERT_TRUE(draining.ok());
  EXPECT_EQ(draining->state(), v1::NODE_STATE_DRAINING);
  Report("h0", h0_->Assignments()[0], v1::TASK_STATE_SUCCEEDED);
  EXPECT_EQ(cp_->GetNode("h0")->state(), v1::NODE_STATE_DRAINED);
  EXPECT_EQ(cp_->GetNode("h0")->state_reason(), "kernel upgrade");
}

TEST_F(ControlPlaneTest, NewQueueQuotasAdmitWhatWaitedAndBadOnesChangeNothing) {
  core::QueueConfig research;
  research.name = "research";
  research.nominal_quota["nvidia/h100"] = 8;
  ASSERT_TRUE(cp_->SetQueues({research}).ok());
  v1::JobSpec spec = Gang(1, 8);
  spec.set_queue("research");
  auto first = cp_->SubmitJob(spec);
  auto second = cp_->SubmitJob(spec);
  cp_->Tick();
  EXPECT_EQ(StateOf(*first), v1::JOB_STATE_RUNNING);
  EXPECT_EQ(StateOf(*second), v1::JOB_STATE_PENDING);  // over its quota

  core::QueueConfig bad = research;
  bad.weight = 0;
  EXPECT_EQ(cp_->SetQueues({bad}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(cp_->Snapshot().queue_configs[0].weight, 1);

  research.nominal_quota["nvidia/h100"] = 16;
  ASSERT_TRUE(cp_->SetQueues({research}).ok());
  cp_->Tick();
  EXPECT_EQ(StateOf(*second), v1::JOB_STATE_RUNNING);
  EXPECT_EQ(cp_->Snapshot().queue_configs[0].nominal_quota["nvidia/h100"], 16);
}

TEST_F(ControlPlaneTest, DrainedNodeReceivesNothing) {
  ASSERT_TRUE(cp_->SetDrained("h0", true, "maintenance").ok());
  EXPECT_EQ(cp_->GetNode("h0")->state(), v1::NODE_STATE_DRAINED);
  ASSERT_TRUE(cp_->SubmitJob(Gang(1, 8)).ok());
  ASSERT_TRUE(cp_->SubmitJob(Gang(1, 8)).ok());
  EXPECT_EQ(cp_->Tick(), 1);
  EXPECT_TRUE(h0_->Assignments().empty());
  EXPECT_EQ(h1_->Assignments().size(), 1u);
  EXPECT_EQ(cp_->SetDrained("nope", true, "").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(ControlPlaneTest, SilentNodeIsLostWithItsTasks) {
  auto id = cp_->SubmitJob(Gang(1, 8));
  cp_->Tick();
  Report("h0", h0_->Assignments()[0], v1::TASK_STATE_RUNNING);
  clock_.Advance(absl::Seconds(15));
  ASSERT_TRUE(cp_->Heartbeat("h1", {}).ok());
  clock_.Advance(absl::Seconds(10));
  cp_->Tick();
  EXPECT_EQ(cp_->GetNode("h0")->state(), v1::NODE_STATE_LOST);
  EXPECT_EQ(cp_->GetNode("h1")->state(), v1::NODE_STATE_READY);
  EXPECT_EQ(StateOf(*id), v1::JOB_STATE_FAILED);
}

TEST_F(ControlPlaneTest, UnhealthyNodeTakesNoWorkUntilItsAgentSaysItRecovered) {
  // h0 says so when it registers, h1 in a heartbeat.
  v1::RegisterRequest h0 = Host("h0", "nvidia/h100", 8);
  h0.set_unhealthy_reason("disk nearly full: 1 MiB free");
  ASSERT_TRUE(cp_->RegisterAgent(h0, h0_).ok());
  v1::Heartbeat full;
  full.set_unhealthy_reason("disk nearly full: 2 MiB free");
  ASSERT_TRUE(cp_->Heartbeat("h1", full).ok());
  auto id = cp_->SubmitJob(Gang(1, 8));
  EXPECT_EQ(cp_->Tick(), 0);
  EXPECT_EQ(StateOf(*id), v1::JOB_STATE_PENDING);  // waits, not infeasible
  EXPECT_TRUE(h0_->Assignments().empty());
  EXPECT_TRUE(h1_->Assignments().empty());
  v1::Node node = cp_->GetNode("h1").value();
  EXPECT_EQ(node.state(), v1::NODE_STATE_UNHEALTHY);
  EXPECT_EQ(node.state_reason(), "disk nearly full: 2 MiB free");
  EXPECT_EQ(node.unhealthy_reason(), "disk nearly full: 2 MiB free");

  ASSERT_TRUE(cp_->Heartbeat("h1", v1::Heartbeat()).ok());
  EXPECT_EQ(cp_->GetNode("h1")->state(), v1::NODE_STATE_READY);
  EXPECT_EQ(cp_->GetNode("h1")->state_reason(), "");
  EXPECT_EQ(cp_->Tick(), 1);
  EXPECT_EQ(h1_->Assignments().size(), 1u);
  EXPECT_EQ(cp_->GetNode("h0")->state(), v1::NODE_STATE_UNHEALTHY);

  v1::Heartbeat escape;
  escape.set_unhealthy_reason("\x1b[2Jfull");
  EXPECT_EQ(cp_->Heartbeat("h0", escape).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(ControlPlaneTest, InvalidSpecIsRejectedAndNothingIsStored) {
  v1::JobSpec spec = Gang(0, 8);
  auto id = cp_->SubmitJob(spec);
  EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(id.status().message().find("task_groups[0].replicas"),
            std::string::npos);
  EXPECT_TRUE(cp_->ListJobs({})->jobs().empty());
}

TEST_F(ControlPlaneTest, StateSurvivesARestart) {
  auto done = cp_->SubmitJob(Gang(1, 8));
  auto running = cp_->SubmitJob(Gang(1, 8));
  auto waiting = cp_->SubmitJob(Gang(1, 8));
  cp_->Tick();
  Report("h0", h0_->Assignments()[0], v1::TASK_STATE_RUNNING);
  Report("h0", h0_->Assignments()[0], v1::TASK_STATE_SUCCEEDED);
  Report("h1", h1_->Assignments()[0], v1::TASK_STATE_RUNNING);
  Open();
  ASSERT_TRUE(cp_->Recover().ok());
  EXPECT_EQ(StateOf(*done), v1::JOB_STATE_SUCCEEDED);
  EXPECT_EQ(StateOf(*running), v1::JOB_STATE_RUNNING);
  EXPECT_EQ(StateOf(*waiting), v1::JOB_STATE_PENDING);
  auto next = cp_->SubmitJob(Gang(1, 1));
  EXPECT_EQ(*next, "j-000004");
  // h1 comes back still running its task; h0 comes back idle.
  auto h1 = std::make_shared<RecordingSink>();
  v1::RegisterRequest r1 = Host("h1", "nvidia/h100", 8);
  v1::TaskStatus* still = r1.add_running_tasks();
  still->set_task_id(*running + "-r0-a0");
  still->set_state(v1::TASK_STATE_RUNNING);
  ASSERT_TRUE(cp_->RegisterAgent(r1, h1).ok());
  auto h0 = std::make_shared<RecordingSink>();
  ASSERT_TRUE(cp_->RegisterAgent(Host("h0", "nvidia/h100", 8), h0).ok());
  cp_->Tick();
  EXPECT_EQ(StateOf(*running), v1::JOB_STATE_RUNNING);
  EXPECT_EQ(cp_->GetNode("h1")->accelerators_allocated(), 8u);
  ASSERT_EQ(h0->Assignments().size(), 1u);
  EXPECT_EQ(h0->Assignments()[0].job_id(), *waiting);
}

// The agent started the task and said so, but the scheduler it told died
// before storing it (or lost office): the next registration says it.
TEST_F(ControlPlaneTest, AStartLostWithASchedulerIsTakenFromTheRegistration) {
  auto job = cp_->SubmitJob(Gang(1, 8));
  cp_->Tick();
  const v1::TaskAssignment a = h0_->Assignments()[0];
  Open();  // the RUNNING report never reached the store
  ASSERT_TRUE(cp_->Recover().ok());
  auto task = [&] { return cp_->GetJob(*job)->tasks(0); };
  ASSERT_EQ(task().state(), v1::TASK_STATE_PLACED);
  v1::RegisterRequest again = Host("h0", "nvidia/h100", 8);
  v1::TaskStatus* running = again.add_running_tasks();
  running->set_task_id(a.task_id());
  running->set_job_id(a.job_id());
  running->set_state(v1::TASK_STATE_RUNNING);
  auto h0 = std::make_shared<RecordingSink>();
  ASSERT_TRUE(cp_->RegisterAgent(again, h0).ok());
  EXPECT_EQ(task().state(), v1::TASK_STATE_RUNNING);
  EXPECT_GT(task().start_time_ms(), 0);
  EXPECT_TRUE(h0->Assignments().empty());  // not launched a second time
  // And stored: a later restart still knows it runs.
  Open();
  ASSERT_TRUE(cp_->Recover().ok());
  EXPECT_EQ(task().state(), v1::TASK_STATE_RUNNING);
}

TEST_F(ControlPlaneTest, ALongRecoveryDoesNotCountAgainstTheNodesLease) {
  auto running = cp_->SubmitJob(Gang(1, 8));
  cp_->Tick();
  Report("h0", h0_->Assignments()[0], v1::TASK_STATE_RUNNING);
  Open();
  ASSERT_TRUE(cp_->Recover().ok());
  clock_.Advance(absl::Seconds(30));  // longer than node_lost_timeout
  cp_->RenewLeases();                 // the server now accepts agents
  clock_.Advance(absl::Seconds(15));
  cp_->Tick();
  EXPECT_EQ(cp_->GetNode("h0")->state(), v1::NODE_STATE_READY);
  EXPECT_EQ(StateOf(*running), v1::JOB_STATE_RUNNING);
  clock_.Advance(absl::Seconds(10));  // past the full lease: now it is lost
  cp_->Tick();
  EXPECT_EQ(cp_->GetNode("h0")->state(), v1::NODE_STATE_LOST);
}

TEST_F(ControlPlaneTest, TransitionsReportEachJobsMilestonesOnce) {
  auto id = cp_->SubmitJob(Gang(1, 8));
  clock_.Advance(absl::Milliseconds(3));
  cp_->Tick();
  clock_.Advance(absl::Milliseconds(5));
  Report("h0", h0_->Assignments()[0], v1::TASK_STATE_RUNNING);
  Report("h0", h0_->Assignments()[0], v1::TASK_STATE_SUCCEEDED);
  using Type = JobTransition::Type;
  std::vector<Type> types;
  for (const auto& t : cp_->TakeJobTransitions()) {
    types.push_back(t.type);
    if (t.type == Type::kPlaced) {
      EXPECT_EQ(t.since_submit, absl::Milliseconds(3));
    }
    if (t.type == Type::kRunning) {
      EXPECT_EQ(t.since_submit, absl::Milliseconds(8));
    }
  }
  EXPECT_EQ(types, (std::vector<Type>{Type::kPlaced, Type::kRunning,
                                      Type::kTaskEnded, Type::kFinished}));
  EXPECT_TRUE(cp_->TakeJobTransitions().empty());
  // The snapshot carries live jobs only, and counts the ended ones.
  const ClusterSnapshot snapshot = cp_->Snapshot();
  EXPECT_TRUE(snapshot.jobs.empty());
  EXPECT_EQ(snapshot.ended_jobs.at({"default", v1::JOB_STATE_SUCCEEDED}), 1);
  EXPECT_EQ(StateOf(*id), v1::JOB_STATE_SUCCEEDED);
}

TEST_F(ControlPlaneTest, EventsTellTheStory) {
  auto id = cp_->SubmitJob(Gang(1, 8));
  cp_->Tick();
  size_t cursor = 0;
  bool done = false;
  auto events = cp_->WaitForEvents(*id, &cursor, absl::ZeroDuration(), &done);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].type(), "SUBMITTED");
  EXPECT_EQ((*events)[1].type(), "PLACED");
  EXPECT_FALSE(done);
  EXPECT_EQ(cursor, 2u);
}

std::string Recorded(const std::string& name) {
  std::ifstream in(std::string(HETSCHED_TEST_DATA_DIR) + "/" + name);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

v1::CalibrationReport Calibration(const std::string& file) {
  v1::CalibrationReport r;
  r.set_document_json(Recorded(file));
  r.set_measured_at_ms(1);
  return r;
}

TEST_F(ControlPlaneTest, NodeAtHalfGemmRateIsDegradedAndSkipped) {
  ASSERT_TRUE(cp_->ReportCalibration(
                     "h0", Calibration("calibration-h100-half-gemm.json"))
                  .ok());
  v1::Node h0 = cp_->GetNode("h0").value();
  EXPECT_EQ(h0.state(), v1::NODE_STATE_DEGRADED);
  EXPECT_NE(h0.state_reason().find("50%"), std::string::npos);
  ASSERT_TRUE(cp_->SubmitJob(Gang(1, 8)).ok());
  ASSERT_TRUE(cp_->SubmitJob(Gang(1, 8)).ok());
  EXPECT_EQ(cp_->Tick(), 1);
  EXPECT_TRUE(h0_->Assignments().empty());
  // A job that accepts degraded nodes may still use it.
  v1::JobSpec tolerant = Gang(1, 8);
  tolerant.set_allow_degraded(true);
  ASSERT_TRUE(cp_->SubmitJob(tolerant).ok());
  cp_->Tick();
  EXPECT_EQ(h0_->Assignments().size(), 1u);
  // A healthy measurement clears the mark.
  ASSERT_TRUE(
      cp_->ReportCalibration("h0", Calibration("calibration-h100-healthy.json"))
          .ok());
  EXPECT_EQ(cp_->GetNode("h0")->state(), v1::NODE_STATE_READY);
  EXPECT_FALSE(cp_->GetNode("h0")->previous_calibration_json().empty());
}

TEST_F(ControlPlaneTest, FasterNodeOfOneKindGetsTheJob) {
  // h0 sorts first by name, so only its measurement can make h1 win.
  ASSERT_TRUE(
      cp_->ReportCalibration("h0", Calibration("calibration-h100-slower.json"))
          .ok());
  ASSERT_TRUE(
      cp_->ReportCalibration("h1", Calibration("calibration-h100-healthy.json"))
          .ok());
  EXPECT_LT(cp_->GetNode("h0")->speed_factor(),
            cp_->GetNode("h1")->speed_factor());
  ASSERT_TRUE(cp_->SubmitJob(Gang(1, 8)).ok());
  EXPECT_EQ(cp_->Tick(), 1);
  EXPECT_TRUE(h0_->Assignments().empty());
  EXPECT_EQ(h1_->Assignments().size(), 1u);
}

TEST_F(ControlPlaneTest, CalibrationOnDemandReachesTheAgent) {
  ASSERT_TRUE(cp_->RequestCalibration("h0", 30).ok());
  ASSERT_EQ(h0_->Messages().size(), 1u);
  EXPECT_EQ(h0_->Messages()[0].calibrate().time_budget_s(), 30u);
  EXPECT_EQ(cp_->RequestCalibration("zz", 0).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(ControlPlaneTest, InterconnectTestRendezvousAcrossAgents) {
  v1::ValidateInterconnectRequest request;
  request.add_nodes("h0");
  request.add_nodes("h1");
  request.set_timeout_s(30);
  absl::StatusOr<v1::ValidateInterconnectResponse> response;
  std::thread caller([&] { response = cp_->ValidateInterconnect(request); });
  // Plays both agents: answer each order as it arrives.
  auto answer = [&](const std::string& /*node*/, RecordingSink& sink,
                    size_t index) {
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (absl::Now() < deadline) {
      std::vector<v1::CollectiveTestOrder> orders;
      for (const auto& m : sink.Messages()) {
        if (m.has_collective()) orders.push_back(m.collective());
      }
      if (orders.size() > index) return orders[index];
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return v1::CollectiveTestOrder();
  };
  for (auto [node, sink] : {std::pair{"h0", h0_}, std::pair{"h1", h1_}}) {
    v1::CollectiveTestOrder prepare = answer(node, *sink, 0);
    ASSERT_EQ(prepare.phase(), v1::CollectiveTestOrder::PHASE_PREPARE);
    v1::CollectiveTestReport r;
    r.set_test_id(prepare.test_id());
    r.set_rank(prepare.rank());
    r.set_phase(v1::CollectiveTestReport::PHASE_PREPARED);
    r.set_listen_address(std::string("127.0.0.1:") +
                         (node[1] == '0' ? "1" : "2"));
    ASSERT_TRUE(cp_->ReportCollective(node, r).ok());
  }
  for (auto [node, sink] : {std::pair{"h0", h0_}, std::pair{"h1", h1_}}) {
    v1::CollectiveTestOrder start = answer(node, *sink, 1);
    ASSERT_EQ(start.phase(), v1::CollectiveTestOrder::PHASE_START);
    ASSERT_EQ(start.peers_size(), 2);
    EXPECT_EQ(start.peers(1), "127.0.0.1:2");
    v1::CollectiveTestReport r;
    r.set_test_id(start.test_id());
    r.set_rank(start.rank());
    r.set_phase(v1::CollectiveTestReport::PHASE_DONE);
    r.mutable_result()->set_avg_busbw_gbps(2.5);
    r.mutable_result()->set_verified(true);
    ASSERT_TRUE(cp_->ReportCollective(node, r).ok());
  }
  caller.join();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_DOUBLE_EQ(response->result().avg_busbw_gbps(), 2.5);
  EXPECT_TRUE(response->result().verified());
}

TEST_F(ControlPlaneTest, RankZeroProgressBecomesTheJobsStepRate) {
  auto id = cp_->SubmitJob(Gang(2, 8));
  cp_->Tick();
  v1::TaskAssignment a0 = h0_->Assignments()[0];
  v1::TaskAssignment a1 = h1_->Assignments()[0];
  auto progress = [&](const std::string& node, const v1::TaskAssignment& a,
                      uint64_t steps, int64_t time_ms) {
    v1::TaskProgress p;
    p.set_task_id(a.task_id());
    p.set_job_id(a.job_id());
    p.set_steps(steps);
    p.set_time_ms(time_ms);
    return cp_->ReportTaskProgress(node, p);
  };
  // Not running yet: progress is refused.
  EXPECT_FALSE(progress("h0", a0, 10, 1000).ok());
  Report("h0", a0, v1::TASK_STATE_RUNNING);
  Report("h1", a1, v1::TASK_STATE_RUNNING);
  ASSERT_TRUE(progress("h0", a0, 100, 10'000).ok());
  EXPECT_EQ(cp_->GetJob(*id)->steps_per_second(), 0);
  ASSERT_TRUE(progress("h0", a0, 400, 12'000).ok());    // 300 steps in 2 s
  ASSERT_TRUE(progress("h1", a1, 9'000, 12'000).ok());  // not rank 0
  ASSERT_TRUE(progress("h1", a1, 99'000, 14'000).ok());
  v1::Job job = cp_->GetJob(*id).value();
  EXPECT_DOUBLE_EQ(job.steps_per_second(), 150.0);
  EXPECT_EQ(job.tasks(0).steps(), 400u);
  EXPECT_EQ(job.tasks(1).steps(), 99'000u);
  // Reports from the wrong node are refused.
  EXPECT_FALSE(progress("h1", a0, 500, 15'000).ok());
}

TEST_F(ControlPlaneTest, ServiceReplicaIsRestartedWhileTheOthersServe) {
  v1::JobSpec spec = Gang(2, 8);
  spec.set_kind(v1::JOB_KIND_INFERENCE);
  spec.mutable_inference()->set_max_restarts(2);
  auto id = cp_->SubmitJob(spec);
  ASSERT_TRUE(id.ok()) << id.status();
  cp_->Tick();
  v1::TaskAssignment a0 = h0_->Assignments()[0];
  v1::TaskAssignment a1 = h1_->Assignments()[0];
  Report("h0", a0, v1::TASK_STATE_RUNNING);
  Report("h1", a1, v1::TASK_STATE_RUNNING);
  Report("h1", a1, v1::TASK_STATE_FAILED, 1);
  EXPECT_TRUE(h0_->Kills().empty());
  ASSERT_EQ(h1_->Assignments().size(), 2u);
  v1::TaskAssignment again = h1_->Assignments()[1];
  EXPECT_EQ(again.task_id(), a1.task_id() + "-s1");
  EXPECT_EQ(again.device_indices_size(), 8);
  v1::Job job = cp_->GetJob(*id).value();
  EXPECT_EQ(job.state(), v1::JOB_STATE_RUNNING);
  EXPECT_EQ(job.replica_restarts(), 1u);
  Report("h1", again, v1::TASK_STATE_RUNNING);
  EXPECT_EQ(cp_->GetNode("h1")->accelerators_allocated(), 8u);
}

TEST_F(ControlPlaneTest, UnknownAcceleratorKindIsRejectedAtRegistration) {
  auto sink = std::make_shared<RecordingSink>();
  auto r = cp_->RegisterAgent(Host("x", "nvidia/h999", 1), sink);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("node.accelerators[0].kind"),
            std::string::npos);
}

}  // namespace
}  // namespace hetsched::control
