#include "agent/discovery_neuron.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

extern char** environ;

namespace hetsched::agent {
namespace {

constexpr uint64_t kGiB = 1ull << 30;
constexpr int kToolTimeoutMs = 30000;

std::string Lower(std::string s) {
  for (char& c : s) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return s;
}

// Resolves `tool` on PATH the way execvp would; empty when not found.
std::string FindOnPath(const std::string& tool) {
  if (tool.find('/') != std::string::npos) {
    return access(tool.c_str(), X_OK) == 0 ? tool : "";
  }
  const char* path = std::getenv("PATH");
  if (path == nullptr) return "";
  for (absl::string_view dir : absl::StrSplit(path, ':')) {
    if (dir.empty()) continue;
    std::string candidate = absl::StrCat(std::string(dir), "/", tool);
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

// Runs `argv` without a shell and returns its stdout. The deadline guards
// against a wedged driver making neuron-ls hang the agent's start.
absl::StatusOr<std::string> Capture(const std::vector<std::string>& argv) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null",
                                   O_WRONLY, 0);
  std::vector<char*> args(argv.size() + 1, nullptr);
  std::transform(
      argv.begin(), argv.end(), args.begin(),
      [](const std::string& a) { return const_cast<char*>(a.c_str()); });
  pid_t pid = 0;
  int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    return absl::UnavailableError(
        absl::StrCat(argv[0], ": ", std::strerror(rc)));
  }
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(kToolTimeoutMs);
  bool timed_out = false;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    int n = poll(&p, 1, static_cast<int>(left));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      timed_out = n == 0;
      break;
    }
    char buf[4096];
    ssize_t got = read(fds[0], buf, sizeof(buf));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    out.append(buf, static_cast<size_t>(got));
  }
  close(fds[0]);
  if (timed_out) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return absl::DeadlineExceededError(
        absl::StrCat(argv[0], ": no answer within ", kToolTimeoutMs, " ms"));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::UnavailableError(
        absl::StrCat(argv[0], ": exited with status ", status));
  }
  return out;
}

}  // namespace

std::string NeuronKindFromHint(const std::string& hint) {
  const std::string h = Lower(hint);
  // Longest names first: "trainium2" contains "trainium".
  if (absl::StrContains(h, "trainium2") || absl::StartsWith(h, "trn2")) {
    return "aws/trainium2";
  }
  if (absl::StrContains(h, "inferentia2") || absl::StartsWith(h, "inf2")) {
    return "aws/inferentia2";
  }
  if (absl::StrContains(h, "trainium") || absl::StartsWith(h, "trn1")) {
    return "aws/trainium";
  }
  if (absl::StrContains(h, "inferentia") || absl::StartsWith(h, "inf1")) {
    return "aws/inferentia";
  }
  return "";
}

absl::StatusOr<HostDescription> ParseNeuronLsJson(
    const std::string& json_text, const std::string& instance_type) {
  nlohmann::json root = nlohmann::json::parse(json_text, nullptr,
                                              /*allow_exceptions=*/false);
  if (root.is_discarded()) {
    return absl::InvalidArgumentError("neuron-ls: output is not valid JSON");
  }
  if (!root.is_array()) {
    return absl::InvalidArgumentError(
        "neuron-ls: expected a JSON array of devices");
  }
  HostDescription host;
  host.source = "neuron";
  host.instance_type = instance_type;
  std::string kind;
  for (size_t i = 0; i < root.size(); ++i) {
    const nlohmann::json& dev = root[i];
    const std::string where = absl::StrCat("neuron-ls: [", i, "]");
    if (!dev.is_object()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": must be an object"));
    }
    DiscoveredAccelerator a;
    a.index = static_cast<uint32_t>(i);
    if (dev.contains("neuron_device")) {
      if (!dev["neuron_device"].is_number_unsigned()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ".neuron_device: must be a whole number"));
      }
      a.index = dev["neuron_device"].get<uint32_t>();
    }
    if (dev.contains("memory_size")) {
      if (!dev["memory_size"].is_number_unsigned()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ".memory_size: must be a whole number"));
      }
      a.memory_bytes = dev["memory_size"].get<uint64_t>();
    }
    uint32_t cores = 0;
    if (dev.contains("nc_count")) {
      if (!dev["nc_count"].is_number_unsigned()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ".nc_count: must be a whole number"));
      }
      cores = dev["nc_count"].get<uint32_t>();
    } else if (dev.contains("neuroncore_ids") &&
               dev["neuroncore_ids"].is_array()) {
      cores = static_cast<uint32_t>(dev["neuroncore_ids"].size());
    }
    if (cores > 0) {
      if (host.cores_per_device != 0 && host.cores_per_device != cores) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ".nc_count: ", cores, " differs from the other devices' ",
            host.cores_per_device));
      }
      host.cores_per_device = cores;
    }
    // Some neuron-ls versions name the chip; prefer that over guessing.
    for (const char* key : {"model", "device_type", "device_name", "name"}) {
      if (kind.empty() && dev.contains(key) && dev[key].is_string()) {
        kind = NeuronKindFromHint(dev[key].get<std::string>());
      }
    }
    host.accelerators.push_back(std::move(a));
  }
  if (kind.empty()) kind = NeuronKindFromHint(instance_type);
  if (kind.empty() && !host.accelerators.empty()) {
    // No name anywhere: Trainium2 is the only chip with more than 64 GiB;
    // trn1 and inf2 chips look alike (32 GiB, 2 cores), trn1 is the likelier.
    kind = host.accelerators[0].memory_bytes > 64 * kGiB ? "aws/trainium2"
                                                         : "aws/trainium";
    host.notes.push_back(absl::StrCat(
        "neuron: chip model not named by neuron-ls or the instance type; "
        "guessed ",
        kind, " from memory size"));
  }
  for (auto& a : host.accelerators) a.kind = kind;
  host.notes.push_back(absl::StrCat("neuron: ", host.accelerators.size(), " ",
                                    kind, " devices, ", host.cores_per_device,
                                    " cores each"));
  return host;
}

absl::StatusOr<HostDescription> NeuronDiscovery::Discover() {
  HostDescription none;
  none.source = "neuron";
  const std::string path = FindOnPath(tool_);
  if (path.empty()) {
    none.notes.push_back(
        absl::StrCat("neuron: ", tool_, " not on PATH; zero Neuron devices"));
    return none;
  }
  auto out = Capture({path, "--json-output"});
  if (!out.ok()) {
    none.notes.push_back(absl::StrCat("neuron: ", out.status().message(),
                                      "; zero Neuron devices"));
    return none;
  }
  auto host = ParseNeuronLsJson(*out, instance_type_);
  if (!host.ok()) {
    none.notes.push_back(absl::StrCat("neuron: ", host.status().message(),
                                      "; zero Neuron devices"));
    return none;
  }
  return host;
}

}  // namespace hetsched::agent
