// Converters between the API messages and the pure core's types. Pure
// functions; each has its own tests.
#pragma once

#include "absl/status/statusor.h"
#include "common/labels.h"
#include "hetsched/v1/job.pb.h"
#include "hetsched/v1/node.pb.h"
#include "scheduler/core/task_state.h"
#include "scheduler/core/types.h"

namespace hetsched::control {

core::JobRequest ToJobRequest(const v1::Job& job);
// A node's core view. `ready` comes from the agent connection, which the
// message does not hold on its own.
core::Node ToCoreNode(const v1::Node& node);
// The labels node selectors and `nodes -l` match: the agent's own, then
// the well-known ones (hetsched.io/hostname, hetsched.io/instance-type,
// hetsched.io/provider, -region, -zone, -rack, -ultraserver,
// -network-block; kinds are chosen by accelerators.kinds), which win over
// a reported label of the same key so that they always mean what they say.
Labels NodeLabels(const v1::NodeInfo& info);

core::TaskState ToCoreTaskState(v1::TaskState s);
v1::TaskState ToApiTaskState(core::TaskState s);

// "RUNNING" for JOB_STATE_RUNNING, "SUCCEEDED" for TASK_STATE_SUCCEEDED.
std::string JobStateName(v1::JobState s);
std::string TaskStateName(v1::TaskState s);

// Host part of "host:port" (also "[v6]:port").
std::string HostOf(const std::string& address);

}  // namespace hetsched::control
