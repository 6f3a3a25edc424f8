#include "scheduler/server/workdir_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace hetsched::server {
namespace {

namespace fs = std::filesystem;

class WorkdirStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(testing::TempDir()) /
           ("workdir_store_" +
            std::string(
                testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    auto store = WorkdirStore::Open(dir_.string());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }
  void TearDown() override { fs::remove_all(dir_); }

  absl::StatusOr<WorkdirStore::Upload::Stored> Upload(
      const std::string& bytes, const std::string& declared_sha,
      uint64_t declared_size = 0) {
    auto upload = store_->StartUpload();
    if (!upload.ok()) return upload.status();
    // In two chunks, as a client streams it.
    const size_t half = bytes.size() / 2;
    if (auto s = (*upload)->Append(bytes.substr(0, half)); !s.ok()) return s;
    if (auto s = (*upload)->Append(bytes.substr(half)); !s.ok()) return s;
    return (*upload)->Commit(declared_sha, declared_size);
  }
  size_t FilesInStore() const {
    size_t n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_)) ++n;
    return n;
  }

  fs::path dir_;
  std::unique_ptr<WorkdirStore> store_;
};

TEST_F(WorkdirStoreTest, StoresUnderTheDigestAndDeduplicates) {
  const std::string bytes = "some archive";
  const std::string sha = Sha256Hex(bytes);
  auto first = Upload(bytes, sha, bytes.size());
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->sha256, sha);
  EXPECT_FALSE(first->already_stored);
  EXPECT_EQ(*store_->SizeOf(sha), bytes.size());
  std::ifstream in(store_->PathOf(sha), std::ios::binary);
  std::stringstream stored;
  stored << in.rdbuf();
  EXPECT_EQ(stored.str(), bytes);

  auto second = Upload(bytes, "");
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->already_stored);
  EXPECT_EQ(FilesInStore(), 1u);  // no temporary file left behind
}

TEST_F(WorkdirStoreTest, DeclaredDigestMismatchIsRefusedAndNothingStored) {
  const std::string wrong = Sha256Hex("something else");
  auto stored = Upload("some archive", wrong);
  ASSERT_EQ(stored.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(stored.status().message().find(wrong), std::string::npos);
  EXPECT_FALSE(store_->SizeOf(wrong).ok());
  EXPECT_EQ(FilesInStore(), 0u);
}

TEST_F(WorkdirStoreTest, DeclaredSizeMismatchIsRefused) {
  EXPECT_EQ(Upload("abc", "", 4).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(WorkdirStoreTest, UnknownOrMalformedDigestIsNotFound) {
  EXPECT_EQ(store_->SizeOf(Sha256Hex("never")).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->SizeOf("../x").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace hetsched::server
