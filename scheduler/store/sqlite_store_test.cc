#include <filesystem>

#include "gtest/gtest.h"
#include "scheduler/store/state_store.h"

namespace hetsched::store {
namespace {

std::string TempDir() {
  std::string tmpl = ::testing::TempDir() + "/storeXXXXXX";
  return mkdtemp(tmpl.data());
}

TEST(SqliteStoreTest, WritesSurviveReopen) {
  std::string dir = TempDir();
  {
    auto store = StateStore::OpenSqlite(dir);
    ASSERT_TRUE(store.ok()) << store.status();
    WriteBatch b;
    v1::Job job;
    job.set_id("j-000001");
    job.set_state(v1::JOB_STATE_RUNNING);
    job.mutable_spec()->set_name("train");
    job.add_tasks()->set_id("j-000001-r0-a0");
    b.jobs.push_back(job);
    v1::Node node;
    node.mutable_info()->set_name("h100-0");
    node.set_drained(true);
    b.nodes.push_back(node);
    v1::JobEvent e;
    e.set_job_id("j-000001");
    e.set_type("SUBMITTED");
    b.events.push_back(e);
    e.set_type("PLACED");
    b.events.push_back(e);
    ASSERT_TRUE((*store)->Write(b).ok());
    job.set_state(v1::JOB_STATE_SUCCEEDED);
    ASSERT_TRUE((*store)->Write({{job}, {}, {}}).ok());
  }
  auto store = StateStore::OpenSqlite(dir);
  ASSERT_TRUE(store.ok());
  auto jobs = (*store)->LoadJobs();
  ASSERT_TRUE(jobs.ok());
  ASSERT_EQ(jobs->size(), 1u);
  EXPECT_EQ((*jobs)[0].state(), v1::JOB_STATE_SUCCEEDED);
  EXPECT_EQ((*jobs)[0].tasks(0).id(), "j-000001-r0-a0");
  auto nodes = (*store)->LoadNodes();
  ASSERT_EQ(nodes->size(), 1u);
  EXPECT_TRUE((*nodes)[0].drained());
  auto events = (*store)->LoadEvents("j-000001");
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[1].type(), "PLACED");
  EXPECT_TRUE((*store)->LoadEvents("other")->empty());
  auto all = (*store)->LoadAllEvents();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ(all->at("j-000001").size(), 2u);
  EXPECT_EQ(all->at("j-000001")[1].type(), "PLACED");
}

TEST(SqliteStoreTest, ARetiredJobLeavesOnlyItsSummary) {
  std::string dir = TempDir();
  {
    auto store = StateStore::OpenSqlite(dir);
    ASSERT_TRUE(store.ok()) << store.status();
    WriteBatch b;
    for (const char* id : {"j-000001", "j-000002"}) {
      v1::Job job;
      job.set_id(id);
      b.jobs.push_back(job);
      v1::JobEvent e;
      e.set_job_id(id);
      e.set_type("SUBMITTED");
      b.events.push_back(e);
    }
    ASSERT_TRUE((*store)->Write(b).ok());
    v1::Job summary;
    summary.set_id("j-000001");
    summary.set_state(v1::JOB_STATE_FAILED);
    ASSERT_TRUE((*store)->Write({.retired_jobs = {summary}}).ok());
  }
  auto store = StateStore::OpenSqlite(dir);
  ASSERT_TRUE(store.ok());
  ASSERT_EQ((*store)->LoadJobs()->size(), 1u);
  EXPECT_TRUE((*store)->LoadEvents("j-000001")->empty());
  EXPECT_EQ((*store)->LoadEvents("j-000002")->size(), 1u);
  auto retired = (*store)->LoadRetired();
  ASSERT_TRUE(retired.ok());
  ASSERT_EQ(retired->size(), 1u);
  EXPECT_EQ((*retired)[0].state(), v1::JOB_STATE_FAILED);
}

TEST(SqliteStoreTest, UnwritableDataDirIsAnError) {
  auto store = StateStore::OpenSqlite("/proc/hetsched-no-such-dir");
  EXPECT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("/proc/hetsched-no-such-dir"),
            std::string::npos);
}

}  // namespace
}  // namespace hetsched::store
