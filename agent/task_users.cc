#include "agent/task_users.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/yaml_keys.h"
#include "yaml-cpp/yaml.h"

namespace hetsched::agent {

absl::StatusOr<TaskUsers> TaskUsers::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::InvalidArgumentError(path + ": cannot read");
  std::stringstream text;
  text << in.rdbuf();
  return Parse(text.str(), path);
}

absl::StatusOr<TaskUsers> TaskUsers::Parse(const std::string& yaml,
                                           const std::string& where) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": ", e.what()));
  }
  auto in_file = [&](const absl::Status& s) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": ", s.message()));
  };
  if (auto s = CheckYamlKeys(root, {"users", "default", "allow_root"}, "");
      !s.ok()) {
    return in_file(s);
  }
  TaskUsers out;
  try {
    if (root["users"]) {
      if (!root["users"].IsMap()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": users: must be a mapping of owner to user"));
      }
      for (const auto& entry : root["users"]) {
        const std::string owner = entry.first.as<std::string>();
        const std::string user = entry.second.as<std::string>();
        if (user.empty()) {
          return absl::InvalidArgumentError(
              absl::StrCat(where, ": users.", owner, ": must name a user"));
        }
        if (!out.users_.emplace(owner, user).second) {
          return absl::InvalidArgumentError(
              absl::StrCat(where, ": users.", owner, ": given twice"));
        }
      }
    }
    if (root["default"]) out.default_user_ = root["default"].as<std::string>();
    if (root["allow_root"]) out.allow_root_ = root["allow_root"].as<bool>();
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": line ", e.mark.line + 1, ": ", e.msg));
  }
  return out;
}

absl::StatusOr<TaskAccount> TaskUsers::Resolve(const std::string& owner) const {
  auto it = users_.find(owner);
  const std::string user = it != users_.end() ? it->second : default_user_;
  if (user.empty()) {
    return absl::PermissionDeniedError(
        absl::StrCat("owner '", owner,
                     "' has no local user in --task-users (and no "
                     "default)"));
  }
  auto account = LookUpAccount(user);
  if (!account.ok()) return account.status();
  if (account->run_as.uid == 0 && !allow_root_) {
    return absl::PermissionDeniedError(absl::StrCat(
        "owner '", owner, "' maps to ", user,
        " (uid 0): refused; set allow_root: true in --task-users to allow it"));
  }
  return account;
}

absl::StatusOr<TaskAccount> LookUpAccount(const std::string& user) {
  passwd pw{};
  passwd* found = nullptr;
  std::vector<char> buf(16384);
  if (getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found) != 0 ||
      found == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("local user '", user, "' does not exist on this host"));
  }
  TaskAccount account;
  account.user = user;
  account.home = pw.pw_dir != nullptr ? pw.pw_dir : "/";
  account.shell = pw.pw_shell != nullptr ? pw.pw_shell : "/bin/sh";
  account.run_as.uid = pw.pw_uid;
  account.run_as.gid = pw.pw_gid;
  int count = 64;
  std::vector<gid_t> groups(count);
  while (getgrouplist(user.c_str(), pw.pw_gid, groups.data(), &count) < 0) {
    groups.resize(count);
  }
  groups.resize(count);
  account.run_as.groups = std::move(groups);
  return account;
}

}  // namespace hetsched::agent
