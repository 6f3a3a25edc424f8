// The human views of nodes: the `nodes` table and `node describe`. Pure:
// they read API messages and a "now" and write text. Thread-safe.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "google/protobuf/repeated_ptr_field.h"
#include "hetsched/v1/node.pb.h"

namespace hetsched::cli {

// NAME, STATE, KIND, ACCEL (allocated/total), PROVIDER, ULTRASERVER, RACK,
// HEARTBEAT (age), REASON.
void PrintNodesTable(const google::protobuf::RepeatedPtrField<v1::Node>& nodes,
                     int64_t now_ms, std::ostream& out);

// Everything about one node: state, hardware, topology, labels,
// accelerators, tasks, and its latest calibration pretty-printed.
void PrintNodeDescription(const v1::Node& node, int64_t now_ms,
                          std::ostream& out);

// A calibration document indented for reading; the text as it is when it
// is not JSON, so a new agent's format still shows.
std::string PrettyCalibration(const std::string& json);

}  // namespace hetsched::cli
