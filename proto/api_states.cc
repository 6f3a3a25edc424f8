#include "proto/api_states.h"

namespace hetsched::v1 {

bool IsTerminal(JobState state) {
  return state == JOB_STATE_SUCCEEDED || state == JOB_STATE_FAILED ||
         state == JOB_STATE_CANCELLED;
}

bool IsTerminal(TaskState state) {
  switch (state) {
    case TASK_STATE_SUCCEEDED:
    case TASK_STATE_FAILED:
    case TASK_STATE_PREEMPTED:
    case TASK_STATE_CANCELLED:
    case TASK_STATE_LOST:
      return true;
    default:
      return false;
  }
}

}  // namespace hetsched::v1
