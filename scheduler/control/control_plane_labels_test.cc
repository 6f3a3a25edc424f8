// Labels and selectors through the control plane: node_selector decides
// where replicas go, label_selector which jobs and nodes a list returns.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "scheduler/control/control_plane_fixture.h"

namespace hetsched::control {
namespace {

using testing::ControlPlaneTest;
using testing::Gang;
using testing::Host;
using testing::RecordingSink;

class LabelsTest : public ControlPlaneTest {
 protected:
  void SetUp() override {
    ControlPlaneTest::SetUp();
    v1::RegisterRequest spot = Host("h2", "nvidia/h100", 8);
    (*spot.mutable_node()->mutable_labels())["pool"] = "spot";
    spot.mutable_node()->mutable_topology()->set_zone("us-east-1b");
    ASSERT_TRUE(cp_->RegisterAgent(spot, h2_).ok());
  }

  static v1::JobSpec Selecting(const std::string& key,
                               const std::string& value) {
    v1::JobSpec spec = Gang(1, 8);
    (*spec.mutable_task_groups(0)->mutable_node_selector())[key] = value;
    return spec;
  }

  std::vector<std::string> NodeNames(const std::string& selector) {
    v1::ListNodesRequest request;
    request.set_label_selector(selector);
    auto page = cp_->ListNodes(request);
    EXPECT_TRUE(page.ok()) << page.status();
    std::vector<std::string> out;
    if (!page.ok()) return out;
    for (const auto& node : page->nodes()) out.push_back(node.info().name());
    return out;
  }

  std::shared_ptr<RecordingSink> h2_ = std::make_shared<RecordingSink>();
};

TEST_F(LabelsTest, ReplicasGoOnlyToNodesTheSelectorMatches) {
  // h0 and h1 sort first and are as free: only the selector sends it to h2.
  auto spot = cp_->SubmitJob(Selecting("pool", "spot"));
  ASSERT_TRUE(spot.ok()) << spot.status();
  cp_->Tick();
  EXPECT_EQ(h2_->Assignments().size(), 1u);
  EXPECT_TRUE(h0_->Assignments().empty());
  EXPECT_TRUE(h1_->Assignments().empty());

  // The only matching node is full: the next one waits rather than go to
  // h0 or h1, and starts once h2 is free again.
  auto second = cp_->SubmitJob(Selecting("hetsched.io/zone", "us-east-1b"));
  ASSERT_TRUE(second.ok());
  cp_->Tick();
  EXPECT_EQ(StateOf(*second), v1::JOB_STATE_PENDING);
  EXPECT_TRUE(h0_->Assignments().empty());
  EXPECT_TRUE(h1_->Assignments().empty());
  Report("h2", h2_->Assignments()[0], v1::TASK_STATE_SUCCEEDED);
  cp_->Tick();
  ASSERT_EQ(h2_->Assignments().size(), 2u);
  EXPECT_EQ(h2_->Assignments()[1].job_id(), *second);
}

TEST_F(LabelsTest, ASelectorNoNodeMatchesSaysSoInThePendingReason) {
  auto job = cp_->SubmitJob(Selecting("pool", "reserved"));
  ASSERT_TRUE(job.ok());
  cp_->Tick();
  auto got = cp_->GetJob(*job);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->state(), v1::JOB_STATE_PENDING);
  EXPECT_NE(got->pending_reason().find("on nodes with pool=reserved"),
            std::string::npos)
      << got->pending_reason();
  EXPECT_NE(got->pending_reason().find("can hold at most 0"), std::string::npos)
      << got->pending_reason();
}

TEST_F(LabelsTest, NodesAreListedByReportedAndWellKnownLabels) {
  EXPECT_EQ(NodeNames("pool=spot"), (std::vector<std::string>{"h2"}));
  EXPECT_EQ(NodeNames("pool!=spot"), (std::vector<std::string>{"h0", "h1"}));
  EXPECT_EQ(NodeNames("hetsched.io/hostname=h1"),
            (std::vector<std::string>{"h1"}));
  EXPECT_EQ(NodeNames("hetsched.io/zone"), (std::vector<std::string>{"h2"}));
  EXPECT_EQ(NodeNames(""), (std::vector<std::string>{"h0", "h1", "h2"}));
}

TEST_F(LabelsTest, JobsAreListedByTheirLabels) {
  v1::JobSpec vision = Gang(1, 1);
  (*vision.mutable_labels())["team"] = "vision";
  ASSERT_TRUE(cp_->SubmitJob(vision).ok());
  ASSERT_TRUE(cp_->SubmitJob(Gang(1, 1)).ok());
  v1::ListJobsRequest request;
  request.set_label_selector("team=vision");
  auto page = cp_->ListJobs(request);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->jobs_size(), 1);
  EXPECT_EQ(page->jobs(0).spec().labels().at("team"), "vision");
  request.set_label_selector("!team");
  EXPECT_EQ(cp_->ListJobs(request)->jobs_size(), 1);
}

TEST_F(LabelsTest, ABadSelectorIsRejectedNamingTheField) {
  v1::ListJobsRequest jobs;
  jobs.set_label_selector("team in (a, b)");
  auto page = cp_->ListJobs(jobs);
  EXPECT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(page.status().message().find("label_selector: "),
            std::string::npos);
  v1::ListNodesRequest nodes;
  nodes.set_label_selector("=spot");
  EXPECT_EQ(cp_->ListNodes(nodes).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace hetsched::control
