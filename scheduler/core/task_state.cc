#include "scheduler/core/task_state.h"

namespace hetsched::core {

bool IsTerminal(TaskState s) {
  switch (s) {
    case TaskState::kSucceeded:
    case TaskState::kFailed:
    case TaskState::kPreempted:
    case TaskState::kCancelled:
    case TaskState::kLost:
      return true;
    default:
      return false;
  }
}

bool CanTransition(TaskState from, TaskState to) {
  if (IsTerminal(from) || from == to) return false;
  if (IsTerminal(to)) {
    // Success needs a process that ran; everything else can end anywhere.
    return to != TaskState::kSucceeded || from == TaskState::kRunning ||
           from == TaskState::kStarting || from == TaskState::kPlaced;
  }
  return static_cast<int>(to) > static_cast<int>(from);
}

std::string_view TaskStateName(TaskState s) {
  switch (s) {
    case TaskState::kPending:
      return "PENDING";
    case TaskState::kPlaced:
      return "PLACED";
    case TaskState::kStarting:
      return "STARTING";
    case TaskState::kRunning:
      return "RUNNING";
    case TaskState::kSucceeded:
      return "SUCCEEDED";
    case TaskState::kFailed:
      return "FAILED";
    case TaskState::kPreempted:
      return "PREEMPTED";
    case TaskState::kCancelled:
      return "CANCELLED";
    case TaskState::kLost:
      return "LOST";
  }
  return "UNKNOWN";
}

}  // namespace hetsched::core
