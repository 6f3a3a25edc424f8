// The signals a user may send to a job's replicas (hetsched cancel
// --signal), by name: what a training script traps to checkpoint (USR1,
// USR2), reload (HUP), or pause and resume (STOP, CONT). Names travel
// between hosts, never numbers.
#pragma once

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace hetsched {

// The signal number of "USR1", "sigusr1", "SIGUSR1"...; nullopt for a name
// outside the allowed set (KILL is not in it: cancel does that).
std::optional<int> AllowedSignal(absl::string_view name);
// "SIGUSR1" for SIGUSR1; the canonical name of an allowed signal.
std::string SignalName(int signal);
// "HUP, INT, QUIT, ..." for error messages.
std::string AllowedSignalNames();

}  // namespace hetsched
