// The disk guard with a free-space source the test controls: below either
// floor the node has a reason, above both it has none, a failing source
// counts as full, and each change is announced once and in order.
#include "agent/disk_guard.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/test_util.h"

namespace hetsched::agent {
namespace {

constexpr uint64_t kMiB = uint64_t{1} << 20;
constexpr uint64_t kGiB = uint64_t{1} << 30;

TEST(DiskPressureReasonTest, NamesTheFreeSpaceAndTheFloorItFellBelow) {
  EXPECT_EQ(DiskPressureReason({2 * kGiB, 100 * kGiB}, "/w", kGiB, 0), "");
  EXPECT_EQ(DiskPressureReason({kGiB, 100 * kGiB}, "/w", kGiB, 0), "");
  EXPECT_EQ(DiskPressureReason({512 * kMiB, 100 * kGiB}, "/w", kGiB, 0),
            "disk nearly full: 512 MiB (0.5%) free on /w, below "
            "--min-free-disk-bytes 1073741824");
  // 5 GiB is above the byte floor but under 10% of 100 GiB.
  EXPECT_EQ(DiskPressureReason({5 * kGiB, 100 * kGiB}, "/w", kGiB, 10),
            "disk nearly full: 5120 MiB (5.0%) free on /w, below "
            "--min-free-disk-percent 10");
  EXPECT_EQ(DiskPressureReason({20 * kGiB, 100 * kGiB}, "/w", kGiB, 10), "");
  // No floors: never unhealthy, even with nothing free.
  EXPECT_EQ(DiskPressureReason({0, 100 * kGiB}, "/w", 0, 0), "");
}

TEST(DiskGuardTest, ReportsFullThenFreeOnceEachAsTheSourceChanges) {
  uint64_t free_bytes = 100 * kMiB;
  bool fail = false;
  std::vector<std::string> changes;
  DiskGuard::Options options;
  options.path = "/work";
  options.min_free_bytes = kGiB;
  options.source = [&](const std::string& path) -> absl::StatusOr<DiskSpace> {
    EXPECT_EQ(path, "/work");
    if (fail) return absl::UnavailableError("statvfs /work: gone");
    return DiskSpace{free_bytes, 10 * kGiB};
  };
  options.on_change = [&](const std::string& r) { changes.push_back(r); };
  DiskGuard guard(options);
  EXPECT_EQ(guard.reason(), "");  // nothing measured yet

  const std::string full = guard.Check();
  EXPECT_THAT(full, ::testing::StartsWith("disk nearly full: 100 MiB"));
  EXPECT_EQ(guard.Check(), full);  // the same: announced once
  free_bytes = 4 * kGiB;
  EXPECT_EQ(guard.Check(), "");
  EXPECT_EQ(guard.reason(), "");
  fail = true;
  EXPECT_EQ(guard.Check(),
            "cannot measure free disk space: statvfs /work: gone");
  EXPECT_THAT(
      changes,
      ::testing::ElementsAre(
          full, "", "cannot measure free disk space: statvfs /work: gone"));
}

TEST(DiskGuardTest, StatvfsMeasuresARealDirectory) {
  testing::ScratchDir dir;
  auto space = StatvfsSpace(dir.path());
  ASSERT_TRUE(space.ok()) << space.status();
  EXPECT_GT(space->total_bytes, 0u);
  EXPECT_LE(space->available_bytes, space->total_bytes);
  EXPECT_FALSE(StatvfsSpace(dir.path() + "/missing").ok());
}

}  // namespace
}  // namespace hetsched::agent
