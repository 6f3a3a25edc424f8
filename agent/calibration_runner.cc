#include "agent/calibration_runner.h"

#include <string.h>  // sigabbrev_np
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"

namespace hetsched::agent {
namespace {

constexpr char kToolName[] = "hetsched-calibrate";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The last line of the child's stderr, for an error message.
std::string LastLine(const std::string& text) {
  std::string trimmed = text;
  while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == ' '))
    trimmed.pop_back();
  const size_t nl = trimmed.rfind('\n');
  std::string line = nl == std::string::npos ? trimmed : trimmed.substr(nl + 1);
  if (line.size() > 300) line.resize(300);
  return line;
}

bool IsExecutableFile(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec) &&
         access(path.c_str(), X_OK) == 0;
}

class RecordedRunner final : public CalibrationRunner {
 public:
  explicit RecordedRunner(std::string path) : path_(std::move(path)) {}
  std::string Run(uint32_t /*budget_s*/,
                  const std::atomic<bool>* /*cancel*/) override {
    std::ifstream in(path_, std::ios::binary);
    if (!in) return ErrorDocument(absl::StrCat("cannot read ", path_));
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  std::string path_;
};

class ProcessRunner final : public CalibrationRunner {
 public:
  explicit ProcessRunner(Options options) : options_(std::move(options)) {}

  std::string Run(uint32_t budget_s, const std::atomic<bool>* cancel) override {
    if (options_.calibrate_bin.empty()) {
      return NoDeviceDocument(
          "hetsched-calibrate not found next to hetsched-agent or on PATH");
    }
    const std::string dir = options_.work_dir + "/calibration";
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      return ErrorDocument(
          absl::StrCat("cannot create ", dir, ": ", ec.message()));
    }
    LaunchSpec spec;
    spec.task_id = "calibration";
    spec.argv = {options_.calibrate_bin, "--time-budget-s",
                 absl::StrCat(budget_s)};
    spec.directory = dir;
    const absl::Duration budget = absl::Seconds(budget_s);
    const absl::Duration timeout =
        budget + std::max(options_.min_grace, budget / 2);
    auto outcome = options_.launcher->RunToEnd(spec, timeout, cancel);
    if (!outcome.ok()) {
      return ErrorDocument(absl::StrCat("cannot run ", options_.calibrate_bin,
                                        ": ", outcome.status().message()));
    }
    std::string out = ReadFile(dir + "/stdout");
    const std::string err = LastLine(ReadFile(dir + "/stderr"));
    if (outcome->cancelled) {
      return ErrorDocument(
          absl::StrCat(kToolName, " was stopped (agent exit)"));
    }
    if (outcome->timed_out) {
      return ErrorDocument(absl::StrCat(kToolName, " did not finish within ",
                                        absl::FormatDuration(timeout),
                                        " and was killed"));
    }
    if (outcome->exit.signal != 0) {
      const char* name = sigabbrev_np(outcome->exit.signal);
      return ErrorDocument(
          absl::StrCat(kToolName, " was killed by ",
                       name ? absl::StrCat("SIG", name)
                            : absl::StrCat("signal ", outcome->exit.signal),
                       err.empty() ? "" : ": ", err));
    }
    // Exit 0, 1, 3 and 4 come with a document (docs/calibration.md); it is
    // passed on as is once it parses and has a status.
    const nlohmann::json doc = nlohmann::json::parse(out, nullptr, false);
    if (!doc.is_discarded() && doc.is_object() && doc.contains("status") &&
        doc["status"].is_string()) {
      return out;
    }
    return ErrorDocument(
        absl::StrCat(kToolName, " exited with code ", outcome->exit.exit_code,
                     " without a JSON document", err.empty() ? "" : ": ", err));
  }

 private:
  Options options_;
};

}  // namespace

std::unique_ptr<CalibrationRunner> CalibrationRunner::Create(Options options) {
  if (!options.calibration_file.empty()) {
    return std::make_unique<RecordedRunner>(options.calibration_file);
  }
  return std::make_unique<ProcessRunner>(std::move(options));
}

absl::StatusOr<std::string> FindCalibrateBinary(const std::string& flag,
                                                const std::string& self_exe) {
  if (!flag.empty()) {
    if (!IsExecutableFile(flag)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--calibrate-bin: ", flag, " is not an executable file"));
    }
    return flag;
  }
  if (!self_exe.empty()) {
    const std::string beside =
        (std::filesystem::path(self_exe).parent_path() / kToolName).string();
    if (IsExecutableFile(beside)) return beside;
  }
  const char* path = std::getenv("PATH");
  if (path != nullptr) {
    for (absl::string_view dir : absl::StrSplit(path, ':')) {
      if (dir.empty()) continue;
      const std::string candidate =
          absl::StrCat(std::string(dir), "/", kToolName);
      if (IsExecutableFile(candidate)) return candidate;
    }
  }
  return std::string();
}

std::string NoDeviceDocument(const std::string& reason) {
  nlohmann::json doc = {
      {"schema_version", 1}, {"status", "no_cuda_device"}, {"reason", reason}};
  return doc.dump();
}

std::string ErrorDocument(const std::string& error) {
  nlohmann::json doc = {
      {"schema_version", 1}, {"status", "error"},
      {"error", error},      {"tool", "hetsched-agent"},
      {"verified", false},   {"devices", nlohmann::json::array()}};
  return doc.dump();
}

}  // namespace hetsched::agent
