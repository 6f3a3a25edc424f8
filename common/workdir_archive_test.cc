#include "common/workdir_archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/sha256.h"

namespace hetsched {
namespace {

namespace fs = std::filesystem;

class WorkdirArchiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ =
        fs::path(testing::TempDir()) /
        ("workdir_archive_" +
         std::string(
             testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(root_);
    fs::create_directories(root_ / "src");
    fs::create_directories(root_ / "out");
  }
  void TearDown() override { fs::remove_all(root_); }

  static void Write(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
  }
  static std::string Read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::string SaveArchive(const std::string& bytes) {
    const std::string path = (root_ / "archive.tar.gz").string();
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
  // An archive written by hand with one entry, for what our packer never
  // writes.
  std::string CraftArchive(const std::string& name, unsigned type,
                           const std::string& link = "",
                           const std::string& data = "x") {
    std::string bytes;
    archive* a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    archive_write_add_filter_gzip(a);
    size_t used = 0;
    std::vector<char> buffer(1 << 20);
    archive_write_open_memory(a, buffer.data(), buffer.size(), &used);
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_filetype(e, type);
    archive_entry_set_perm(e, 0644);
    if (type == AE_IFREG) archive_entry_set_size(e, data.size());
    if (type == AE_IFLNK) archive_entry_set_symlink(e, link.c_str());
    if (type == 0) {
      archive_entry_set_filetype(e, AE_IFREG);
      archive_entry_set_hardlink(e, link.c_str());
    }
    archive_write_header(a, e);
    if (type == AE_IFREG) archive_write_data(a, data.data(), data.size());
    archive_entry_free(e);
    archive_write_close(a);
    archive_write_free(a);
    return SaveArchive(std::string(buffer.data(), used));
  }

  fs::path root_;
};

TEST_F(WorkdirArchiveTest, RoundTripKeepsFilesLinksAndExecutableBits) {
  Write(root_ / "src/run.sh", "echo hi\n");
  fs::permissions(root_ / "src/run.sh", fs::perms::owner_exec,
                  fs::perm_options::add);
  Write(root_ / "src/pkg/data.txt", "data");
  fs::create_symlink("pkg/data.txt", root_ / "src/link.txt");
  auto packed = PackWorkdir((root_ / "src").string(), kDefaultWorkdirMaxBytes);
  ASSERT_TRUE(packed.ok()) << packed.status();
  ASSERT_TRUE(
      UnpackWorkdir(SaveArchive(*packed), (root_ / "out").string()).ok());
  EXPECT_EQ(Read(root_ / "out/run.sh"), "echo hi\n");
  EXPECT_EQ(Read(root_ / "out/pkg/data.txt"), "data");
  EXPECT_EQ(Read(root_ / "out/link.txt"), "data");
  EXPECT_TRUE(fs::is_symlink(root_ / "out/link.txt"));
  EXPECT_NE(
      fs::status(root_ / "out/run.sh").permissions() & fs::perms::owner_exec,
      fs::perms::none);
  EXPECT_EQ(fs::status(root_ / "out/pkg/data.txt").permissions() &
                fs::perms::owner_exec,
            fs::perms::none);
}

TEST_F(WorkdirArchiveTest, LongPathsAndLinkTargetsSurviveTheRoundTrip) {
  const std::string deep =
      "a-directory-with-a-rather-long-name/another-one-just-as-long-as-that/"
      "and-a-third-to-pass-one-hundred-characters";
  Write(root_ / "src" / deep / "file.txt", "deep");
  fs::create_symlink(deep + "/file.txt", root_ / "src/shortcut");
  auto packed = PackWorkdir((root_ / "src").string(), kDefaultWorkdirMaxBytes);
  ASSERT_TRUE(packed.ok()) << packed.status();
  auto s = UnpackWorkdir(SaveArchive(*packed), (root_ / "out").string());
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(Read(root_ / "out" / deep / "file.txt"), "deep");
  EXPECT_EQ(Read(root_ / "out/shortcut"), "deep");
}

TEST_F(WorkdirArchiveTest, SameTreePacksToTheSameDigest) {
  Write(root_ / "src/a.py", "print(1)\n");
  auto first = PackWorkdir((root_ / "src").string(), kDefaultWorkdirMaxBytes);
  fs::last_write_time(
      root_ / "src/a.py",
      fs::last_write_time(root_ / "src/a.py") - std::chrono::hours(1));
  auto second = PackWorkdir((root_ / "src").string(), kDefaultWorkdirMaxBytes);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(Sha256Hex(*first), Sha256Hex(*second));
}

TEST_F(WorkdirArchiveTest, IgnoreFileAndGitDirectoryAreHonoured) {
  Write(root_ / "src/.gitignore", "*.ckpt\n/data/\n");
  Write(root_ / "src/model.ckpt", "big");
  Write(root_ / "src/data/x", "big");
  Write(root_ / "src/.git/HEAD", "ref");
  Write(root_ / "src/train.py", "code");
  auto packed = PackWorkdir((root_ / "src").string(), kDefaultWorkdirMaxBytes);
  ASSERT_TRUE(packed.ok()) << packed.status();
  ASSERT_TRUE(
      UnpackWorkdir(SaveArchive(*packed), (root_ / "out").string()).ok());
  EXPECT_TRUE(fs::exists(root_ / "out/train.py"));
  EXPECT_FALSE(fs::exists(root_ / "out/model.ckpt"));
  EXPECT_FALSE(fs::exists(root_ / "out/data"));
  EXPECT_FALSE(fs::exists(root_ / "out/.git"));
}

TEST_F(WorkdirArchiveTest, HetschedignoreTakesPrecedenceOverGitignore) {
  Write(root_ / "src/.gitignore", "a.txt\n");
  Write(root_ / "src/.hetschedignore", "b.txt\n");
  Write(root_ / "src/a.txt", "a");
  Write(root_ / "src/b.txt", "b");
  auto packed = PackWorkdir((root_ / "src").string(), kDefaultWorkdirMaxBytes);
  ASSERT_TRUE(packed.ok());
  ASSERT_TRUE(
      UnpackWorkdir(SaveArchive(*packed), (root_ / "out").string()).ok());
  EXPECT_TRUE(fs::exists(root_ / "out/a.txt"));
  EXPECT_FALSE(fs::exists(root_ / "out/b.txt"));
}

TEST_F(WorkdirArchiveTest, PackingPastTheLimitIsRefusedNamingIt) {
  std::string noise;
  uint32_t x = 1;
  for (int i = 0; i < 200000; ++i) {
    x = x * 1103515245 + 12345;  // incompressible enough
    noise.push_back(static_cast<char>(x >> 24));
  }
  Write(root_ / "src/noise.bin", noise);
  auto packed = PackWorkdir((root_ / "src").string(), 100000);
  ASSERT_EQ(packed.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(packed.status().message().find("more than 100000 bytes"),
            std::string::npos);
}

TEST_F(WorkdirArchiveTest, LinkPointingOutsideIsRefusedWhenPacking) {
  fs::create_symlink("/etc/passwd", root_ / "src/passwd");
  auto packed = PackWorkdir((root_ / "src").string(), kDefaultWorkdirMaxBytes);
  EXPECT_EQ(packed.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(WorkdirArchiveTest, UnpackRefusesDotDotPaths) {
  auto s = UnpackWorkdir(CraftArchive("../escape.txt", AE_IFREG),
                         (root_ / "out").string());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(fs::exists(root_ / "escape.txt"));
}

TEST_F(WorkdirArchiveTest, UnpackRefusesAbsolutePaths) {
  const std::string target = (root_ / "abs.txt").string();
  auto s =
      UnpackWorkdir(CraftArchive(target, AE_IFREG), (root_ / "out").string());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(fs::exists(target));
}

TEST_F(WorkdirArchiveTest, UnpackRefusesLinksEscapingTheDirectory) {
  EXPECT_EQ(UnpackWorkdir(CraftArchive("up", AE_IFLNK, "../../etc"),
                          (root_ / "out").string())
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(UnpackWorkdir(CraftArchive("abs", AE_IFLNK, "/etc/passwd"),
                          (root_ / "out").string())
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(UnpackWorkdir(CraftArchive("hard", 0, "/etc/passwd"),
                          (root_ / "out").string())
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(fs::exists(root_ / "out/up"));
  EXPECT_FALSE(fs::exists(root_ / "out/abs"));
}

TEST_F(WorkdirArchiveTest, UnpackRefusesMoreThanTheUnpackedBound) {
  auto s = UnpackWorkdir(
      CraftArchive("zeros", AE_IFREG, "", std::string(4096, '\0')),
      (root_ / "out").string(), 1024);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
}

TEST(Sha256Test, KnownDigestAndHexCheck) {
  EXPECT_EQ(Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_TRUE(IsSha256Hex(Sha256Hex("")));
  EXPECT_FALSE(IsSha256Hex("ABC"));
  EXPECT_FALSE(IsSha256Hex(std::string(64, 'g')));
}

}  // namespace
}  // namespace hetsched
