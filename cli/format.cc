#include "cli/format.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"

namespace hetsched::cli {
namespace {

// The generated name with `prefix` cut off; the number when the value is
// newer than this binary, so an old CLI still prints something useful.
std::string StripPrefix(const std::string& name, const std::string& prefix,
                        int value) {
  if (name.empty()) return absl::StrCat("UNKNOWN(", value, ")");
  if (name.rfind(prefix, 0) == 0) return name.substr(prefix.size());
  return name;
}

std::string ToUpper(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string ToLower(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// "2x8 nvidia/h100", or "2x cpu" for replicas that ask for no accelerator.
std::string ReplicaShape(uint32_t replicas, uint32_t count,
                         const std::string& kinds) {
  if (count == 0) return absl::StrCat(replicas, "x cpu");
  return absl::StrCat(replicas, "x", count, " ", kinds);
}

}  // namespace

std::string FormatDuration(int64_t millis) {
  const int64_t s = std::max<int64_t>(millis, 0) / 1000;
  if (s < 60) return absl::StrCat(s, "s");
  if (s < 3600) return absl::StrCat(s / 60, "m");
  if (s < 86400) return absl::StrCat(s / 3600, "h");
  return absl::StrCat(s / 86400, "d");
}

std::string FormatAge(int64_t then_ms, int64_t now_ms) {
  if (then_ms == 0) return "-";
  return FormatDuration(now_ms - then_ms);
}

std::string FormatTimestamp(int64_t then_ms, int64_t now_ms) {
  if (then_ms == 0) return "-";
  return absl::StrCat(
      absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", absl::FromUnixMillis(then_ms),
                       absl::UTCTimeZone()),
      " (", FormatAge(then_ms, now_ms), " ago)");
}

std::string JobStateName(v1::JobState state) {
  return StripPrefix(v1::JobState_Name(state), "JOB_STATE_", state);
}

std::string TaskStateName(v1::TaskState state) {
  return StripPrefix(v1::TaskState_Name(state), "TASK_STATE_", state);
}

std::string NodeStateName(v1::NodeState state) {
  return StripPrefix(v1::NodeState_Name(state), "NODE_STATE_", state);
}

std::string JobKindName(v1::JobKind kind) {
  return ToLower(StripPrefix(v1::JobKind_Name(kind), "JOB_KIND_", kind));
}

std::string TopologyRequirementName(v1::TopologyRequirement requirement) {
  if (requirement == v1::TOPOLOGY_REQUIREMENT_UNSPECIFIED) return "none";
  return ToLower(StripPrefix(v1::TopologyRequirement_Name(requirement),
                             "TOPOLOGY_REQUIREMENT_", requirement));
}

std::optional<v1::JobState> ParseJobState(const std::string& word) {
  std::string upper = ToUpper(word);
  if (upper.rfind("JOB_STATE_", 0) != 0) upper = "JOB_STATE_" + upper;
  v1::JobState state;
  if (!v1::JobState_Parse(upper, &state) ||
      state == v1::JOB_STATE_UNSPECIFIED) {
    return std::nullopt;
  }
  return state;
}

std::string KnownJobStateNames() {
  std::vector<std::string> names;
  for (int i = v1::JobState_MIN; i <= v1::JobState_MAX; ++i) {
    if (v1::JobState_IsValid(i) && i != v1::JOB_STATE_UNSPECIFIED) {
      names.push_back(ToLower(JobStateName(static_cast<v1::JobState>(i))));
    }
  }
  return absl::StrJoin(names, ", ");
}

std::string JobAcceleratorSummary(const v1::Job& job) {
  std::vector<std::string> parts;
  for (const auto& group : job.spec().task_groups()) {
    const uint32_t count = group.accelerators().count();
    // Replicas per placed kind, in first-seen order so the line is stable.
    std::vector<std::pair<std::string, uint32_t>> placed;
    for (const auto& task : job.tasks()) {
      if (task.task_group() != group.name() || task.accelerator_kind().empty())
        continue;
      auto it = std::find_if(placed.begin(), placed.end(), [&](const auto& p) {
        return p.first == task.accelerator_kind();
      });
      if (it == placed.end()) {
        placed.emplace_back(task.accelerator_kind(), 1);
      } else {
        ++it->second;
      }
    }
    if (placed.empty()) {
      const std::string kinds =
          group.accelerators().kinds().empty()
              ? "any"
              : absl::StrJoin(group.accelerators().kinds(), "|");
      parts.push_back(ReplicaShape(group.replicas(), count, kinds));
      continue;
    }
    std::vector<std::string> shapes;
    shapes.reserve(placed.size());
    for (const auto& [kind, replicas] : placed) {
      shapes.push_back(ReplicaShape(replicas, count, kind));
    }
    parts.push_back(absl::StrJoin(shapes, "+"));
  }
  return parts.empty() ? "-" : absl::StrJoin(parts, ", ");
}

uint32_t TotalReplicas(const v1::JobSpec& spec) {
  uint32_t total = 0;
  for (const auto& group : spec.task_groups()) total += group.replicas();
  return total;
}

std::string NodeKinds(const v1::Node& node) {
  std::vector<std::string> kinds;
  for (const auto& accel : node.info().accelerators()) {
    if (std::find(kinds.begin(), kinds.end(), accel.kind()) == kinds.end()) {
      kinds.push_back(accel.kind());
    }
  }
  return kinds.empty() ? "-" : absl::StrJoin(kinds, "+");
}

std::string NodeAcceleratorUsage(const v1::Node& node) {
  return absl::StrCat(node.accelerators_allocated(), "/",
                      node.info().accelerators_size());
}

std::string FormatIndices(const std::vector<uint32_t>& indices) {
  if (indices.empty()) return "-";
  std::vector<uint32_t> sorted = indices;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::string> ranges;
  size_t i = 0;
  while (i < sorted.size()) {
    size_t j = i;
    while (j + 1 < sorted.size() && sorted[j + 1] == sorted[j] + 1) ++j;
    ranges.push_back(j == i ? absl::StrCat(sorted[i])
                            : absl::StrCat(sorted[i], "-", sorted[j]));
    i = j + 1;
  }
  return absl::StrJoin(ranges, ",");
}

std::string FormatBytes(uint64_t bytes) {
  if (bytes == 0) return "-";
  static constexpr const char* kUnits[] = {"B",   "KiB", "MiB",
                                           "GiB", "TiB", "PiB"};
  double value = static_cast<double>(bytes);
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  char buffer[32];
  // Whole numbers print without a fraction: "80 GiB", not "80.0 GiB".
  if (value == static_cast<double>(static_cast<uint64_t>(value))) {
    std::snprintf(buffer, sizeof(buffer), "%llu %s",
                  static_cast<unsigned long long>(value), kUnits[unit]);
  } else {
    std::snprintf(buffer, sizeof(buffer), "%.1f %s", value, kUnits[unit]);
  }
  return buffer;
}

std::string FormatCommand(const std::vector<std::string>& argv) {
  std::vector<std::string> words;
  for (const auto& arg : argv) {
    const bool plain =
        !arg.empty() &&
        arg.find_first_of(" \t\n'\"$\\;&|<>*?`()") == std::string::npos;
    if (plain) {
      words.push_back(arg);
      continue;
    }
    std::string quoted = "'";
    for (char c : arg) {
      if (c == '\'') {
        quoted += "'\\''";
      } else {
        quoted += c;
      }
    }
    words.push_back(quoted + "'");
  }
  return absl::StrJoin(words, " ");
}

absl::StatusOr<int64_t> SinceFlagMs(const std::string& since, int64_t now_ms) {
  const std::optional<int64_t> window = ParseDurationMs(since);
  if (!window) {
    return absl::InvalidArgumentError(
        absl::StrCat("--since: must be a duration such as 90s, 30m, 24h or "
                     "7d, got '",
                     since, "'"));
  }
  return std::max<int64_t>(0, now_ms - *window);
}

std::string ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string json;
  auto status =
      google::protobuf::util::MessageToJsonString(message, &json, options);
  // Printing a well-formed message cannot fail; an empty object keeps the
  // output parseable should it ever do so.
  if (!status.ok()) return "{}";
  return json;
}

}  // namespace hetsched::cli
