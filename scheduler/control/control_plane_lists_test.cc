#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "scheduler/control/control_plane_fixture.h"

namespace hetsched::control {
namespace {

using testing::ControlPlaneTest;
using testing::Gang;

std::vector<std::string> Ids(const v1::ListJobsResponse& page) {
  std::vector<std::string> out;
  for (const auto& job : page.jobs()) out.push_back(job.id());
  return out;
}

TEST_F(ControlPlaneTest, JobsPageNewestFirstUntilTheLastPage) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(cp_->SubmitJob(Gang(1, 1)).ok());
  v1::ListJobsRequest request;
  request.set_page_size(2);
  auto first = cp_->ListJobs(request);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(Ids(*first), (std::vector<std::string>{"j-000005", "j-000004"}));
  request.set_page_token(first->next_page_token());
  auto second = cp_->ListJobs(request);
  EXPECT_EQ(Ids(*second), (std::vector<std::string>{"j-000003", "j-000002"}));
  request.set_page_token(second->next_page_token());
  auto last = cp_->ListJobs(request);
  EXPECT_EQ(Ids(*last), (std::vector<std::string>{"j-000001"}));
  EXPECT_TRUE(last->next_page_token().empty());
}

TEST_F(ControlPlaneTest, ALimitEndsTheListWithoutAToken) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(cp_->SubmitJob(Gang(1, 1)).ok());
  v1::ListJobsRequest request;
  request.set_limit(2);
  auto page = cp_->ListJobs(request);
  EXPECT_EQ(page->jobs_size(), 2);
  EXPECT_TRUE(page->next_page_token().empty());
}

TEST_F(ControlPlaneTest, ListedJobsCarryTasksOnlyInTheFullView) {
  ASSERT_TRUE(cp_->SubmitJob(Gang(2, 8)).ok());
  cp_->Tick();
  v1::ListJobsRequest request;
  auto basic = cp_->ListJobs(request);
  ASSERT_EQ(basic->jobs_size(), 1);
  EXPECT_TRUE(basic->jobs(0).tasks().empty());
  EXPECT_TRUE(basic->jobs(0).spec().task_groups(0).command().empty());
  request.set_view(v1::LIST_VIEW_FULL);
  auto full = cp_->ListJobs(request);
  EXPECT_EQ(full->jobs(0).tasks_size(), 2);
}

TEST_F(ControlPlaneTest, ABadPageTokenIsRejectedNamingTheField) {
  v1::ListJobsRequest request;
  request.set_page_token("garbage");
  auto page = cp_->ListJobs(request);
  EXPECT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(page.status().message().find("page_token"), std::string::npos);
}

TEST_F(ControlPlaneTest, NodesPageByName) {
  v1::ListNodesRequest request;
  request.set_page_size(1);
  auto first = cp_->ListNodes(request);
  ASSERT_EQ(first->nodes_size(), 1);
  EXPECT_EQ(first->nodes(0).info().name(), "h0");
  request.set_page_token(first->next_page_token());
  auto second = cp_->ListNodes(request);
  ASSERT_EQ(second->nodes_size(), 1);
  EXPECT_EQ(second->nodes(0).info().name(), "h1");
  EXPECT_TRUE(second->next_page_token().empty());
}

TEST_F(ControlPlaneTest, ANodeListsTheTasksPlacedOnItInTheFullView) {
  ASSERT_TRUE(cp_->SubmitJob(Gang(2, 8)).ok());
  cp_->Tick();
  v1::ListNodesRequest request;
  request.set_view(v1::LIST_VIEW_FULL);
  auto nodes = cp_->ListNodes(request);
  ASSERT_EQ(nodes->nodes_size(), 2);
  EXPECT_EQ(nodes->nodes(0).task_ids_size(), 1);
  EXPECT_EQ(nodes->nodes(1).task_ids_size(), 1);
  EXPECT_EQ(nodes->nodes(0).accelerators_allocated(), 8u);
}

}  // namespace
}  // namespace hetsched::control
