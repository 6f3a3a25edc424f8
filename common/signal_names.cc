#include "common/signal_names.h"

#include <csignal>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace hetsched {
namespace {

constexpr std::pair<const char*, int> kAllowed[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT},  {"USR1", SIGUSR1},
    {"USR2", SIGUSR2}, {"ALRM", SIGALRM}, {"TERM", SIGTERM},  {"CONT", SIGCONT},
    {"STOP", SIGSTOP}, {"TSTP", SIGTSTP}, {"WINCH", SIGWINCH}};

}  // namespace

std::optional<int> AllowedSignal(absl::string_view name) {
  std::string upper = absl::AsciiStrToUpper(name);
  absl::string_view bare = upper;
  if (absl::StartsWith(bare, "SIG")) bare.remove_prefix(3);
  for (const auto& [word, number] : kAllowed) {
    if (bare == word) return number;
  }
  return std::nullopt;
}

std::string SignalName(int signal) {
  for (const auto& [word, number] : kAllowed) {
    if (number == signal) return absl::StrCat("SIG", word);
  }
  return absl::StrCat("signal ", signal);
}

std::string AllowedSignalNames() {
  std::string out;
  for (const auto& [word, number] : kAllowed) {
    if (!out.empty()) out += ", ";
    out += word;
  }
  return out;
}

}  // namespace hetsched
