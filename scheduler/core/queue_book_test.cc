// Admission by queue quotas within a cohort, with Kueue's borrowing and
// lending limits.
#include "scheduler/core/queue_book.h"

#include "gtest/gtest.h"

namespace hetsched::core {
namespace {

constexpr char kH100[] = "nvidia/h100";
using Admit = QueueBook::Admit;

QueueConfig Queue(const std::string& name, int quota) {
  QueueConfig q;
  q.name = name;
  q.cohort = "lab";
  q.nominal_quota[kH100] = quota;
  return q;
}

TEST(QueueBookTest, WithoutLimitsTheCohortSharesEverythingUnused) {
  QueueBook book;
  ASSERT_TRUE(book.Configure({Queue("a", 8), Queue("b", 8)}).ok());
  EXPECT_EQ(book.Check("a", kH100, 8, false), Admit::kNominal);
  EXPECT_EQ(book.Check("a", kH100, 16, false), Admit::kNo);
  EXPECT_EQ(book.Check("a", kH100, 16, true), Admit::kBorrow);
  EXPECT_EQ(book.Check("a", kH100, 17, true), Admit::kNo);
}

TEST(QueueBookTest, ABorrowingLimitCapsUseBeyondTheQuota) {
  QueueConfig a = Queue("a", 8);
  a.borrowing_limit[kH100] = 4;
  QueueBook book;
  ASSERT_TRUE(book.Configure({a, Queue("b", 8)}).ok());
  EXPECT_EQ(book.Check("a", kH100, 12, true), Admit::kBorrow);
  EXPECT_EQ(book.Check("a", kH100, 13, true), Admit::kNo);
  // b has no limit: it may take all of a's idle quota.
  EXPECT_EQ(book.Check("b", kH100, 16, true), Admit::kBorrow);
}

TEST(QueueBookTest, ALendingLimitKeepsTheRestOfTheQuotaForItsOwner) {
  QueueConfig b = Queue("b", 8);
  b.lending_limit[kH100] = 2;  // 6 of b's 8 are never lent
  QueueBook book;
  ASSERT_TRUE(book.Configure({Queue("a", 8), b}).ok());
  EXPECT_EQ(book.Check("a", kH100, 10, true), Admit::kBorrow);
  EXPECT_EQ(book.Check("a", kH100, 11, true), Admit::kNo);
  // What a lends, b may borrow beyond its own 8 (a is idle).
  EXPECT_EQ(book.Check("b", kH100, 16, true), Admit::kBorrow);
  // With a holding 10 (b's 2 lent), b is still admitted to its quota
  // (reclaim then preempts what a borrowed), never beyond it.
  book.Add("a", kH100, 10);
  EXPECT_EQ(book.Check("b", kH100, 8, true), Admit::kNominal);
  EXPECT_EQ(book.Check("b", kH100, 9, true), Admit::kNo);
}

TEST(QueueBookTest, NegativeLimitsAreRefusedNamingTheQueue) {
  QueueConfig a = Queue("a", 8);
  a.lending_limit[kH100] = -1;
  QueueBook book;
  const absl::Status s = book.Configure({a});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("queue a"), std::string::npos);
}

}  // namespace
}  // namespace hetsched::core
