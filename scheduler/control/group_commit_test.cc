#include "scheduler/control/group_commit.h"

#include <atomic>
#include <thread>

#include "gtest/gtest.h"
#include "scheduler/control/control_plane_fixture.h"
#include "scheduler/store/memory_store.h"

namespace hetsched::control {
namespace {

using testing::Eventually;
using testing::RecordingSink;

store::WriteBatch JobChange(const std::string& id, v1::JobState state) {
  store::WriteBatch batch;
  batch.jobs.emplace_back();
  batch.jobs.back().set_id(id);
  batch.jobs.back().set_state(state);
  return batch;
}

v1::SchedulerMessage Kill(const std::string& task_id) {
  v1::SchedulerMessage m;
  m.mutable_kill()->set_task_id(task_id);
  return m;
}

TEST(GroupCommitTest, ChangesQueuedDuringAWriteShareTheNextTransaction) {
  store::MemoryStore store;
  GroupCommit commits(&store);
  store.HoldWrites();
  const uint64_t first =
      commits.Append(JobChange("j-1", v1::JOB_STATE_PENDING));
  std::thread writer([&] { EXPECT_TRUE(commits.AwaitDurable(first).ok()); });
  ASSERT_TRUE(Eventually([&] { return store.WritesWaiting() == 1; }));
  const uint64_t second =
      commits.Append(JobChange("j-2", v1::JOB_STATE_PENDING));
  const uint64_t third =
      commits.Append(JobChange("j-3", v1::JOB_STATE_PENDING));
  std::thread a([&] { EXPECT_TRUE(commits.AwaitDurable(second).ok()); });
  std::thread b([&] { EXPECT_TRUE(commits.AwaitDurable(third).ok()); });
  store.Release();
  writer.join();
  a.join();
  b.join();
  EXPECT_EQ(store.WriteSizes(), (std::vector<size_t>{1, 2}));
  EXPECT_EQ(commits.stats().writes, 2u);
  EXPECT_EQ(store.LoadJobs().value().size(), 3u);
}

TEST(GroupCommitTest, ACallerIsAnsweredOnlyOnceItsChangeIsDurable) {
  store::MemoryStore store;
  GroupCommit commits(&store);
  store.HoldWrites();
  const uint64_t seq = commits.Append(JobChange("j-1", v1::JOB_STATE_PENDING));
  std::atomic<bool> answered{false};
  std::thread caller([&] {
    EXPECT_TRUE(commits.AwaitDurable(seq).ok());
    answered = true;
  });
  ASSERT_TRUE(Eventually([&] { return store.WritesWaiting() == 1; }));
  EXPECT_FALSE(answered.load());  // the write is held inside the store
  EXPECT_TRUE(store.LoadJobs().value().empty());
  store.Release();
  caller.join();
  EXPECT_TRUE(answered.load());
  EXPECT_EQ(store.LoadJobs().value().size(), 1u);
}

TEST(GroupCommitTest, MessagesLeaveAfterTheirChangeIsDurableInOrder) {
  store::MemoryStore store;
  GroupCommit commits(&store);
  auto sink = std::make_shared<RecordingSink>();
  store.HoldWrites();
  commits.Append(JobChange("j-1", v1::JOB_STATE_RUNNING));
  commits.Deliver(sink, Kill("t-1"));
  const uint64_t last = commits.Deliver(sink, Kill("t-2"));
  std::thread caller([&] { EXPECT_TRUE(commits.AwaitDurable(last).ok()); });
  ASSERT_TRUE(Eventually([&] { return store.WritesWaiting() == 1; }));
  EXPECT_TRUE(sink->Messages().empty());
  store.Release();
  caller.join();
  const auto kills = sink->Kills();
  ASSERT_EQ(kills.size(), 2u);
  EXPECT_EQ(kills[0].task_id(), "t-1");
  EXPECT_EQ(kills[1].task_id(), "t-2");
}

TEST(GroupCommitTest, AFailedWriteIsStickyAndItsMessagesAreNeverSent) {
  store::MemoryStore store;
  GroupCommit commits(&store);
  auto sink = std::make_shared<RecordingSink>();
  store.FailWrites(absl::UnavailableError("disk gone"));
  commits.Append(JobChange("j-1", v1::JOB_STATE_RUNNING));
  const uint64_t seq = commits.Deliver(sink, Kill("t-1"));
  EXPECT_EQ(commits.AwaitDurable(seq).code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(sink->Messages().empty());
  // The store heals, but memory is ahead of it: nothing more is confirmed.
  store.FailWrites(absl::OkStatus());
  const uint64_t next = commits.Append(JobChange("j-2", v1::JOB_STATE_PENDING));
  EXPECT_FALSE(commits.AwaitDurable(next).ok());
  EXPECT_FALSE(commits.status().ok());
  EXPECT_TRUE(store.LoadJobs().value().empty());
}

TEST(GroupCommitTest, AJobChangedTwiceBeforeAWriteIsWrittenOnceAsItsNewest) {
  store::MemoryStore store;
  GroupCommit commits(&store);
  commits.Append(JobChange("j-1", v1::JOB_STATE_PENDING));
  const uint64_t seq = commits.Append(JobChange("j-1", v1::JOB_STATE_RUNNING));
  ASSERT_TRUE(commits.AwaitDurable(seq).ok());
  EXPECT_EQ(store.WriteSizes(), (std::vector<size_t>{1}));
  ASSERT_EQ(store.LoadJobs().value().size(), 1u);
  EXPECT_EQ(store.LoadJobs().value()[0].state(), v1::JOB_STATE_RUNNING);
}

TEST(GroupCommitTest, ARetiredJobDropsWhatWasQueuedForIt) {
  store::MemoryStore store;
  GroupCommit commits(&store);
  store::WriteBatch change = JobChange("j-1", v1::JOB_STATE_SUCCEEDED);
  change.events.emplace_back().set_job_id("j-1");
  commits.Append(std::move(change));
  commits.Append(JobChange("j-2", v1::JOB_STATE_PENDING));
  store::WriteBatch retire;
  retire.retired_jobs.emplace_back().set_id("j-1");
  const uint64_t seq = commits.Append(std::move(retire));
  ASSERT_TRUE(commits.AwaitDurable(seq).ok());
  // j-2 and j-1's summary; nothing of j-1's record or event.
  EXPECT_EQ(store.WriteSizes(), (std::vector<size_t>{2}));
  ASSERT_EQ(store.LoadJobs().value().size(), 1u);
  EXPECT_EQ(store.LoadJobs().value()[0].id(), "j-2");
  EXPECT_TRUE(store.LoadEvents("j-1").value().empty());
  EXPECT_EQ(store.LoadRetired().value().size(), 1u);
}

TEST(GroupCommitTest, WaitingForNothingReturnsAtOnce) {
  store::MemoryStore store;
  GroupCommit commits(&store);
  EXPECT_TRUE(commits.AwaitDurable(commits.last_appended()).ok());
  EXPECT_TRUE(store.WriteSizes().empty());
}

}  // namespace
}  // namespace hetsched::control
