#include "agent/calibration_runner.h"

#include <sys/stat.h>

#include <fstream>

#include "agent/task_manager.h"
#include "agent/test_util.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace hetsched::agent {
namespace {

using testing::ScratchDir;

std::string WriteScript(const std::string& dir, const std::string& body) {
  std::string path = dir + "/fake-calibrate";
  std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
  chmod(path.c_str(), 0755);
  return path;
}

nlohmann::json Parse(const std::string& text) {
  return nlohmann::json::parse(text, nullptr, false);
}

class ProcessRunnerTest : public ::testing::Test {
 protected:
  std::unique_ptr<CalibrationRunner> Runner(const std::string& bin) {
    CalibrationRunner::Options o;
    o.calibrate_bin = bin;
    o.work_dir = dir_.path();
    o.launcher = &manager_;
    o.min_grace = absl::Seconds(1);
    return CalibrationRunner::Create(o);
  }
  ScratchDir dir_;
  TaskManager manager_{{.work_dir = dir_.path()}, [](const auto&) {}};
};

TEST(RecordedRunnerTest, ReportsTheFileAsIs) {
  ScratchDir dir;
  const std::string path = dir.path() + "/doc.json";
  std::ofstream(path) << R"({"schema_version": 1, "status": "ok"})";
  CalibrationRunner::Options o;
  o.calibration_file = path;
  EXPECT_EQ(CalibrationRunner::Create(o)->Run(100, nullptr),
            R"({"schema_version": 1, "status": "ok"})");
}

TEST_F(ProcessRunnerTest, PassesOnTheToolsDocumentAndBudget) {
  const std::string bin = WriteScript(
      dir_.path(),
      R"(echo "{\"schema_version\": 1, \"status\": \"ok\", \"args\": \"$*\"}")");
  const auto doc = Parse(Runner(bin)->Run(7, nullptr));
  EXPECT_EQ(doc["status"], "ok");
  EXPECT_EQ(doc["args"], "--time-budget-s 7");
}

TEST_F(ProcessRunnerTest, PassesOnANoDeviceDocumentWithItsExitCode) {
  const std::string bin = WriteScript(
      dir_.path(),
      R"(echo '{"schema_version": 1, "status": "no_cuda_device", "reason": "x"}'; exit 3)");
  EXPECT_EQ(Parse(Runner(bin)->Run(1, nullptr))["status"], "no_cuda_device");
}

TEST_F(ProcessRunnerTest, KillsAToolThatRunsPastItsTimeout) {
  const std::string bin = WriteScript(dir_.path(), "exec sleep 60");
  const auto start = absl::Now();
  const auto doc = Parse(Runner(bin)->Run(1, nullptr));
  EXPECT_LT(absl::Now() - start, absl::Seconds(20));
  EXPECT_EQ(doc["status"], "error");
  EXPECT_NE(doc["error"].get<std::string>().find("did not finish within 2s"),
            std::string::npos)
      << doc;
}

TEST_F(ProcessRunnerTest, ACrashIsAnErrorDocument) {
  const std::string bin = WriteScript(
      dir_.path(), "echo 'GPU fell off the bus' >&2; kill -SEGV $$");
  const auto doc = Parse(Runner(bin)->Run(1, nullptr));
  EXPECT_EQ(doc["status"], "error");
  EXPECT_EQ(doc["error"],
            "hetsched-calibrate was killed by SIGSEGV: GPU fell off the bus");
}

TEST_F(ProcessRunnerTest, OutputThatIsNotJsonIsAnErrorDocument) {
  const std::string bin =
      WriteScript(dir_.path(), "echo 'bad flag --x' >&2; echo hello; exit 2");
  const auto doc = Parse(Runner(bin)->Run(1, nullptr));
  EXPECT_EQ(doc["status"], "error");
  EXPECT_EQ(doc["error"],
            "hetsched-calibrate exited with code 2 without a JSON document: "
            "bad flag --x");
}

TEST_F(ProcessRunnerTest, NoBinaryReportsNoDevice) {
  const auto doc = Parse(Runner("")->Run(1, nullptr));
  EXPECT_EQ(doc["schema_version"], 1);
  EXPECT_EQ(doc["status"], "no_cuda_device");
}

TEST_F(ProcessRunnerTest, CancelKillsTheTool) {
  const std::string bin = WriteScript(dir_.path(), "exec sleep 60");
  std::atomic<bool> cancel{true};
  EXPECT_EQ(Parse(Runner(bin)->Run(100, &cancel))["status"], "error");
}

TEST(FindCalibrateBinaryTest, FlagMustNameAnExecutable) {
  auto found = FindCalibrateBinary("/nonexistent/hetsched-calibrate", "");
  ASSERT_FALSE(found.ok());
  EXPECT_NE(found.status().message().find("--calibrate-bin"),
            std::string::npos);
}

TEST(FindCalibrateBinaryTest, LooksNextToTheAgentFirst) {
  ScratchDir dir;
  const std::string tool = dir.path() + "/hetsched-calibrate";
  std::ofstream(tool) << "#!/bin/sh\n";
  chmod(tool.c_str(), 0755);
  EXPECT_EQ(*FindCalibrateBinary("", dir.path() + "/hetsched-agent"), tool);
}

}  // namespace
}  // namespace hetsched::agent
