// What the log service needs to know about tasks, as an interface so it can
// be tested without running processes. Implementations are thread-safe.
#pragma once

#include <string>

#include "absl/time/time.h"

namespace hetsched::agent {

class TaskActivity {
 public:
  virtual ~TaskActivity() = default;
  // True while the task's process may still write to its logs.
  virtual bool Active(const std::string& task_id) const = 0;
  // Blocks until the task is not active or `timeout` passed; returns
  // !Active(task_id).
  virtual bool WaitUntilInactive(const std::string& task_id,
                                 absl::Duration timeout) = 0;
};

}  // namespace hetsched::agent
