// Which job and task states are final: the one definition the scheduler,
// the agent and the CLI share. In the API's namespace so that
// IsTerminal(job.state()) finds it from anywhere (argument-dependent
// lookup). Pure; thread-safe.
#pragma once

#include "hetsched/v1/job.pb.h"

namespace hetsched::v1 {

// SUCCEEDED, FAILED, CANCELLED.
bool IsTerminal(JobState state);
// SUCCEEDED, FAILED, PREEMPTED, CANCELLED, LOST.
bool IsTerminal(TaskState state);

}  // namespace hetsched::v1
