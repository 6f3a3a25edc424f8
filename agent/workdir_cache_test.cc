#include "agent/workdir_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "common/sha256.h"

namespace hetsched::agent {
namespace {

namespace fs = std::filesystem;

class WorkdirCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(testing::TempDir()) /
           ("workdir_cache_" +
            std::string(
                testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A fetcher that writes `bytes` whatever is asked, counting calls.
  WorkdirCache::Fetcher Serving(std::string bytes) {
    return [this, bytes](const std::string&, const std::string& path) {
      ++calls_;
      std::ofstream(path, std::ios::binary) << bytes;
      return absl::OkStatus();
    };
  }

  fs::path dir_;
  std::atomic<int> calls_{0};
};

TEST_F(WorkdirCacheTest, FetchesADigestOnceAndServesItFromDisk) {
  const std::string bytes = "archive bytes";
  WorkdirCache cache(dir_.string(), Serving(bytes));
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back(
        [&] { ASSERT_TRUE(cache.Get(Sha256Hex(bytes)).ok()); });
  }
  for (auto& t : threads) t.join();
  auto path = cache.Get(Sha256Hex(bytes));
  ASSERT_TRUE(path.ok()) << path.status();
  EXPECT_EQ(calls_.load(), 1);
  EXPECT_EQ(cache.fetches(), 1);
  EXPECT_EQ(*Sha256HexOfFile(*path), Sha256Hex(bytes));
}

TEST_F(WorkdirCacheTest, DigestMismatchIsRefusedAndNothingIsCached) {
  WorkdirCache cache(dir_.string(), Serving("tampered"));
  const std::string wanted = Sha256Hex("original");
  auto path = cache.Get(wanted);
  ASSERT_EQ(path.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(path.status().message().find(wanted), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ / (wanted + ".tar.gz")));
  // The next call tries again rather than remembering the failure.
  EXPECT_FALSE(cache.Get(wanted).ok());
  EXPECT_EQ(calls_.load(), 2);
}

TEST_F(WorkdirCacheTest, RefusesSomethingThatIsNotADigest) {
  WorkdirCache cache(dir_.string(), Serving("x"));
  EXPECT_EQ(cache.Get("../../etc/passwd").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(calls_.load(), 0);
}

}  // namespace
}  // namespace hetsched::agent
