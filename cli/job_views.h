// The human views of jobs: the `jobs` table, `job describe` and the lines
// `watch` prints. Pure: they read API messages and a "now" and write text.
// Thread-safe.
#pragma once

#include <cstdint>
#include <ostream>

#include "google/protobuf/repeated_ptr_field.h"
#include "hetsched/v1/job.pb.h"

namespace hetsched::cli {

// Widest REASON shown in the jobs table before it is cut.
inline constexpr size_t kReasonWidth = 32;

// ID, NAME, QUEUE, OWNER, STATE, REPLICAS, ACCEL, AGE, REASON.
void PrintJobsTable(const google::protobuf::RepeatedPtrField<v1::Job>& jobs,
                    int64_t now_ms, std::ostream& out);

// Spec summary, state, timestamps, pending reason, the per-replica table
// (RANK, GROUP, STATE, NODE, DEVICES, EXIT, MESSAGE) and the events.
void PrintJobDescription(const v1::Job& job, int64_t now_ms, std::ostream& out);

// One line per event as `watch` streams them: time, type, task, message.
void PrintJobEventLine(const v1::JobEvent& event, std::ostream& out);

}  // namespace hetsched::cli
