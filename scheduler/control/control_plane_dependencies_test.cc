// Jobs with dependencies: held until they are met (depends_on: success,
// depends_on_any: any end, depends_on_not_ok: a failure, singleton: no
// earlier namesake live), cancelled when they never can be, and both
// across a restart of the scheduler.
#include "gtest/gtest.h"
#include "scheduler/control/control_plane_fixture.h"

namespace hetsched::control {
namespace {

using testing::ControlPlaneTest;
using testing::Gang;

v1::JobSpec After(const std::vector<std::string>& ids) {
  v1::JobSpec spec = Gang(1, 8);
  for (const auto& id : ids) spec.add_depends_on(id);
  return spec;
}

v1::JobSpec AfterAny(const std::string& id) {
  v1::JobSpec spec = Gang(1, 8);
  spec.add_depends_on_any(id);
  return spec;
}

v1::JobSpec AfterNotOk(const std::string& id) {
  v1::JobSpec spec = Gang(1, 8);
  spec.add_depends_on_not_ok(id);
  return spec;
}

std::vector<std::string> EventTypes(const v1::Job& job) {
  std::vector<std::string> types;
  for (const auto& e : job.events()) types.push_back(e.type());
  return types;
}

TEST_F(ControlPlaneTest, DependentWaitsUntilItsDependencySucceeds) {
  auto first = cp_->SubmitJob(Gang(1, 8));
  auto second = cp_->SubmitJob(After({*first}));
  ASSERT_TRUE(second.ok()) << second.status();
  // Room for both, yet only the first is placed.
  EXPECT_EQ(cp_->Tick(), 1);
  v1::Job waiting = cp_->GetJob(*second).value();
  EXPECT_EQ(waiting.state(), v1::JOB_STATE_PENDING);
  EXPECT_EQ(waiting.pending_reason(), "waiting for " + *first + " (RUNNING)");

  const v1::TaskAssignment a = h0_->Assignments()[0];
  Report("h0", a, v1::TASK_STATE_RUNNING);
  EXPECT_EQ(cp_->Tick(), 0);
  Report("h0", a, v1::TASK_STATE_SUCCEEDED);
  EXPECT_EQ(cp_->Tick(), 1);
  EXPECT_EQ(StateOf(*second), v1::JOB_STATE_RUNNING);
  EXPECT_EQ(
      EventTypes(cp_->GetJob(*second).value()),
      (std::vector<std::string>{"SUBMITTED", "DEPENDENCIES_MET", "PLACED"}));
}

TEST_F(ControlPlaneTest, FailedDependencyCancelsTheChainWithTheReason) {
  auto first = cp_->SubmitJob(Gang(1, 8));
  auto second = cp_->SubmitJob(After({*first}));
  auto third = cp_->SubmitJob(After({*second}));
  cp_->Tick();
  const v1::TaskAssignment a = h0_->Assignments()[0];
  Report("h0", a, v1::TASK_STATE_RUNNING);
  Report("h0", a, v1::TASK_STATE_FAILED, 2);
  cp_->Tick();
  v1::Job second_job = cp_->GetJob(*second).value();
  EXPECT_EQ(second_job.state(), v1::JOB_STATE_CANCELLED);
  EXPECT_EQ(second_job.message(), "dependency " + *first + " ended FAILED");
  v1::Job third_job = cp_->GetJob(*third).value();
  EXPECT_EQ(third_job.state(), v1::JOB_STATE_CANCELLED);
  EXPECT_EQ(third_job.message(), "dependency " + *second + " ended CANCELLED");
  EXPECT_EQ(h1_->Assignments().size(), 0u);  // nothing of them ever ran
}

TEST_F(ControlPlaneTest, DependencyThatCanNeverBeMetIsRejectedAtSubmit) {
  auto missing = cp_->SubmitJob(After({"j-000042"}));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(missing.status().message(),
            "depends_on[0]: no job j-000042, so this job could never start");
  auto cancelled = cp_->SubmitJob(Gang(1, 8));
  ASSERT_TRUE(cp_->CancelJob(*cancelled, "").ok());
  auto late = cp_->SubmitJob(After({*cancelled}));
  EXPECT_EQ(late.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(late.status().message().find("ended CANCELLED"), std::string::npos);
  EXPECT_EQ(cp_->ListJobs({})->jobs_size(), 1);  // nothing stored for either
}

TEST_F(ControlPlaneTest, CancellingAHeldJobEndsIt) {
  auto first = cp_->SubmitJob(Gang(1, 8));
  auto second = cp_->SubmitJob(After({*first}));
  ASSERT_TRUE(cp_->CancelJob(*second, "not needed").ok());
  EXPECT_EQ(StateOf(*second), v1::JOB_STATE_CANCELLED);
  cp_->Tick();
  const v1::TaskAssignment a = h0_->Assignments()[0];
  Report("h0", a, v1::TASK_STATE_SUCCEEDED);
  EXPECT_EQ(cp_->Tick(), 0);  // the cancelled dependent is not revived
  EXPECT_EQ(StateOf(*second), v1::JOB_STATE_CANCELLED);
}

TEST_F(ControlPlaneTest, HeldJobsSurviveARestartAndAreSettledAfterIt) {
  auto first = cp_->SubmitJob(Gang(1, 8));
  auto second = cp_->SubmitJob(After({*first}));
  cp_->Tick();
  const v1::TaskAssignment a = h0_->Assignments()[0];
  Report("h0", a, v1::TASK_STATE_RUNNING);
  Report("h0", a, v1::TASK_STATE_SUCCEEDED);
  // The scheduler dies before a tick could queue the dependent.
  Open();
  ASSERT_TRUE(cp_->Recover().ok());
  EXPECT_EQ(StateOf(*second), v1::JOB_STATE_PENDING);
  auto h1 = std::make_shared<testing::RecordingSink>();
  ASSERT_TRUE(
      cp_->RegisterAgent(testing::Host("h1", "nvidia/h100", 8), h1).ok());
  EXPECT_EQ(cp_->Tick(), 1);
  EXPECT_EQ(StateOf(*second), v1::JOB_STATE_RUNNING);
  ASSERT_EQ(h1->Assignments().size(), 1u);
  EXPECT_EQ(h1->Assignments()[0].job_id(), *second);
}

TEST_F(ControlPlaneTest, AReleasedJobIsQueuedAfterARestartWithoutANewEvent) {
  auto first = cp_->SubmitJob(Gang(1, 8));
  v1::JobSpec too_big = Gang(3, 8);  // stays queued once released
  too_big.add_depends_on(*first);
  auto third = cp_->SubmitJob(too_big);
  cp_->Tick();
  auto on_h0 = h0_->Assignments();
  const std::string host = on_h0.empty() ? "h1" : "h0";
  const v1::TaskAssignment a =
      on_h0.empty() ? h1_->Assignments().at(0) : on_h0.at(0);
  Report(host, a, v1::TASK_STATE_SUCCEEDED);
  cp_->Tick();  // released into the queue
  Open();
  ASSERT_TRUE(cp_->Recover().ok());
  cp_->Tick();
  const v1::Job job = cp_->GetJob(*third).value();
  int released = 0;
  for (const auto& e : job.events()) {
    released += e.type() == "DEPENDENCIES_MET";
  }
  EXPECT_EQ(released, 1);
  EXPECT_EQ(job.state(), v1::JOB_STATE_PENDING);
  // It waits in the queue now, not for a dependency.
  EXPECT_NE(job.pending_reason().find("infeasible"), std::string::npos)
      << job.pending_reason();
}

TEST_F(ControlPlaneTest,
       AFailureReleasesAfterAnyAndAfterNotOkAndCancelsAfterOk) {
  auto first = cp_->SubmitJob(Gang(1, 8));
  auto cleanup = cp_->SubmitJob(AfterAny(*first));
  auto fallback = cp_->SubmitJob(AfterNotOk(*first));
  auto next = cp_->SubmitJob(After({*first}));
  ASSERT_TRUE(cleanup.ok() && fallback.ok() && next.ok());
  EXPECT_EQ(cp_->Tick(), 1);  // room for two, but only the first may run
  const v1::TaskAssignment a = h0_->Assignments()[0];
  Report("h0", a, v1::TASK_STATE_RUNNING);
  Report("h0", a, v1::TASK_STATE_FAILED, 3);
  EXPECT_EQ(cp_->Tick(), 2);
  EXPECT_EQ(StateOf(*cleanup), v1::JOB_STATE_RUNNING);
  EXPECT_EQ(StateOf(*fallback), v1::JOB_STATE_RUNNING);
  v1::Job next_job = cp_->GetJob(*next).value();
  EXPECT_EQ(next_job.state(), v1::JOB_STATE_CANCELLED);
  EXPECT_EQ(next_job.message(), "dependency " + *first + " ended FAILED");
}

TEST_F(ControlPlaneTest, ASuccessCancelsAfterNotOkAndReleasesAfterAny) {
  auto first = cp_->SubmitJob(Gang(1, 8));
  auto cleanup = cp_->SubmitJob(AfterAny(*first));
  auto fallback = cp_->SubmitJob(AfterNotOk(*first));
  cp_->Tick();
  const v1::TaskAssignment a = h0_->Assignments()[0];
  Report("h0", a, v1::TASK_STATE_RUNNING);
  Report("h0", a, v1::TASK_STATE_SUCCEEDED);
  EXPECT_EQ(cp_->Tick(), 1);
  EXPECT_EQ(StateOf(*cleanup), v1::JOB_STATE_RUNNING);
  v1::Job fallback_job = cp_->GetJob(*fallback).value();
  EXPECT_EQ(fallback_job.state(), v1::JOB_STATE_CANCELLED);
  EXPECT_EQ(fallback_job.message(),
            "dependency " + *first + " ended SUCCEEDED");
  // Submitted once the job has succeeded, it could never start.
  auto late = cp_->SubmitJob(AfterNotOk(*first));
  EXPECT_EQ(late.status().message(),
            "depends_on_not_ok[0]: dependency " + *first +
                " ended SUCCEEDED, so this job could never start");
}

TEST_F(ControlPlaneTest, SingletonsOfOneNameAndOwnerRunOneAtATime) {
  v1::JobSpec nightly = Gang(1, 8);
  nightly.set_name("nightly");
  nightly.set_singleton(true);
  auto first = cp_->SubmitJob(nightly);
  auto second = cp_->SubmitJob(nightly);
  v1::JobSpec theirs = nightly;  // the same name, another owner
  theirs.set_owner("vision");
  auto other = cp_->SubmitJob(theirs);
  ASSERT_TRUE(first.ok() && second.ok() && other.ok());
  EXPECT_EQ(cp_->Tick(), 2);
  EXPECT_EQ(StateOf(*first), v1::JOB_STATE_RUNNING);
  EXPECT_EQ(StateOf(*other), v1::JOB_STATE_RUNNING);
  v1::Job waiting = cp_->GetJob(*second).value();
  EXPECT_EQ(waiting.state(), v1::JOB_STATE_PENDING);
  EXPECT_EQ(
      waiting.pending_reason(),
      "waiting for " + *first + " (RUNNING, same name and owner: singleton)");
  const auto on = [&](const std::string& job) {
    for (const auto& sink : {h0_, h1_}) {
      for (const auto& a : sink->Assignments()) {
        if (a.job_id() == job) return std::make_pair(sink == h0_, a);
      }
    }
    ADD_FAILURE() << "no assignment of " << job;
    return std::make_pair(true, v1::TaskAssignment());
  };
  const auto [on_h0, a] = on(*first);
  Report(on_h0 ? "h0" : "h1", a, v1::TASK_STATE_RUNNING);
  Report(on_h0 ? "h0" : "h1", a, v1::TASK_STATE_SUCCEEDED);
  EXPECT_EQ(cp_->Tick(), 1);
  EXPECT_EQ(StateOf(*second), v1::JOB_STATE_RUNNING);
}

}  // namespace
}  // namespace hetsched::control
