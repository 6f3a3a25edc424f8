// The task state machine: PENDING -> PLACED -> STARTING -> RUNNING ->
// SUCCEEDED | FAILED | PREEMPTED | CANCELLED | LOST. Pure functions.
#pragma once

#include <string_view>

namespace hetsched::core {

enum class TaskState {
  kPending,
  kPlaced,
  kStarting,
  kRunning,
  kSucceeded,
  kFailed,
  kPreempted,
  kCancelled,
  kLost,
};

bool IsTerminal(TaskState s);
// Whether a task may move from `from` to `to`. Terminal states are final;
// a task may skip forward (an agent can report RUNNING before STARTING
// arrives) and may end from any live state.
bool CanTransition(TaskState from, TaskState to);
std::string_view TaskStateName(TaskState s);

}  // namespace hetsched::core
