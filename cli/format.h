// Pure formatting helpers for the CLI's human output: ages, timestamps,
// state words, accelerator summaries, byte sizes, and the JSON form of API
// messages. No I/O; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/duration_text.h"
#include "google/protobuf/message.h"
#include "hetsched/v1/job.pb.h"
#include "hetsched/v1/node.pb.h"
#include "proto/api_states.h"

namespace hetsched::cli {

// A duration in its largest whole unit: "5s", "3m", "2h", "4d". Negative
// durations (clock skew between hosts) print as "0s".
std::string FormatDuration(int64_t millis);

// How long ago `then_ms` was, seen at `now_ms`; "-" when `then_ms` is 0,
// the API's "never".
std::string FormatAge(int64_t then_ms, int64_t now_ms);

// "2024-05-01 12:00:05 UTC (3m ago)"; "-" when `then_ms` is 0.
std::string FormatTimestamp(int64_t then_ms, int64_t now_ms);

// State words without the enum prefix: JOB_STATE_RUNNING -> "RUNNING".
std::string JobStateName(v1::JobState state);
std::string TaskStateName(v1::TaskState state);
std::string NodeStateName(v1::NodeState state);
// "training" / "inference", the words of the job spec.
std::string JobKindName(v1::JobKind kind);
// "required" / "preferred" / "none", the words of the job spec.
std::string TopologyRequirementName(v1::TopologyRequirement requirement);

// Parses a job state word as a user types it ("running", "RUNNING",
// "JOB_STATE_RUNNING"); nullopt when it names no state.
std::optional<v1::JobState> ParseJobState(const std::string& word);
// The time `since` (a duration as ParseDurationMs reads it) before
// `now_ms`, never before 0; INVALID_ARGUMENT naming --since otherwise.
absl::StatusOr<int64_t> SinceFlagMs(const std::string& since, int64_t now_ms);
// The words ParseJobState accepts, for error messages.
std::string KnownJobStateNames();

// What a job holds or asks for, per task group: "2x8 nvidia/h100" (replicas
// x accelerators each, kind) once placed, from the tasks' kinds; before
// that the request, "2x8 nvidia/h100|nvidia/a100" or "2x8 any". Groups are
// joined with ", ".
std::string JobAcceleratorSummary(const v1::Job& job);

// The total number of replicas over all task groups.
uint32_t TotalReplicas(const v1::JobSpec& spec);

// The distinct accelerator kinds of a node, joined with "+"; "-" for none.
std::string NodeKinds(const v1::Node& node);
// "3/8": accelerators allocated / total.
std::string NodeAcceleratorUsage(const v1::Node& node);

// Device indices as compact ranges: {0,1,2,3,6} -> "0-3,6"; "-" for none.
std::string FormatIndices(const std::vector<uint32_t>& indices);

// Binary sizes: "512 B", "80 GiB", "1.5 TiB"; "-" for 0.
std::string FormatBytes(uint64_t bytes);

// An argv as a shell would need it typed: words with spaces or quotes are
// single-quoted.
std::string FormatCommand(const std::vector<std::string>& argv);

// The API message as one line of JSON: proto field names, primitive fields
// printed even when zero, so scripts always find every key.
std::string ToJson(const google::protobuf::Message& message);

}  // namespace hetsched::cli
