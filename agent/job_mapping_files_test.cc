#include "agent/job_mapping_files.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"

namespace hetsched::agent {
namespace {

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class JobMappingFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "/mapXXXXXX";
    dir_ = std::string(mkdtemp(tmpl.data())) + "/job-mapping";
  }

  bool Exists(const std::string& name) const {
    return std::filesystem::exists(dir_ + "/" + name);
  }

  std::string dir_;
  std::vector<TaskManager::DeviceAllocation> held_;
};

TEST_F(JobMappingFilesTest, OneFilePerHeldGpuNamingItsJobsUntilReleased) {
  JobMappingFiles files(dir_, [this] { return held_; });
  ASSERT_TRUE(files.Init().ok());
  held_ = {{0, "j-000001", "alice"},
           {1, "j-000001", "alice"},
           {3, "j-000002", "bob"},
           {3, "j-000003", "bob"}};
  files.Sync();
  EXPECT_EQ(Read(dir_ + "/0"), "j-000001\n");
  EXPECT_EQ(Read(dir_ + "/1"), "j-000001\n");
  EXPECT_EQ(Read(dir_ + "/3"), "j-000002\nj-000003\n");
  EXPECT_FALSE(Exists("2"));

  held_ = {{3, "j-000003", "bob"}};
  files.Sync();
  EXPECT_FALSE(Exists("0"));
  EXPECT_FALSE(Exists("1"));
  EXPECT_EQ(Read(dir_ + "/3"), "j-000003\n");
  held_.clear();
  files.Sync();
  EXPECT_TRUE(std::filesystem::is_empty(dir_));
}

TEST_F(JobMappingFilesTest, StaleFilesOfAnEarlierAgentAreRemovedOthersKept) {
  std::filesystem::create_directories(dir_);
  std::ofstream(dir_ + "/5") << "j-000009\n";
  std::ofstream(dir_ + "/2.1") << "j-000009\n";
  std::ofstream(dir_ + "/README") << "not ours\n";
  JobMappingFiles files(dir_, [this] { return held_; });
  ASSERT_TRUE(files.Init().ok());
  EXPECT_FALSE(Exists("5"));
  EXPECT_FALSE(Exists("2.1"));
  EXPECT_TRUE(Exists("README"));
}

TEST_F(JobMappingFilesTest, ADirectoryThatCannotBeMadeIsAnError) {
  std::filesystem::create_directories(dir_);
  std::ofstream(dir_ + "/file") << "x";
  JobMappingFiles files(dir_ + "/file/sub", [this] { return held_; });
  const absl::Status s = files.Init();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("--dcgm-job-mapping-dir"), std::string::npos);
}

}  // namespace
}  // namespace hetsched::agent
