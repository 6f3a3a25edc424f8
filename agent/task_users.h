// Who a task runs as. An agent running as root runs each task as the local
// account its operator maps the job's owner (the submitter's TLS identity)
// to, in the file given to --task-users:
//
//   users:               # owner -> local user
//     alice: alice
//     bob: ml-bob
//   default: hetsched-task   # owners not listed (optional: else refused)
//   allow_root: false        # a mapping to uid 0 is refused unless true
//
// Thread-compatible after Load.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "agent/task_launcher.h"

namespace hetsched::agent {

struct TaskAccount {
  RunAs run_as;
  std::string user;
  std::string home;
  std::string shell;
};

class TaskUsers {
 public:
  // INVALID_ARGUMENT naming the file and the field.
  static absl::StatusOr<TaskUsers> Load(const std::string& path);
  static absl::StatusOr<TaskUsers> Parse(const std::string& yaml,
                                         const std::string& where);

  // The account `owner`'s tasks run as. PERMISSION_DENIED when the owner
  // maps to nobody, or to root without allow_root; NOT_FOUND when the
  // local user does not exist.
  absl::StatusOr<TaskAccount> Resolve(const std::string& owner) const;

 private:
  std::map<std::string, std::string> users_;
  std::string default_user_;
  bool allow_root_ = false;
};

// The local account `user` (getpwnam), with its supplementary groups.
absl::StatusOr<TaskAccount> LookUpAccount(const std::string& user);

}  // namespace hetsched::agent
