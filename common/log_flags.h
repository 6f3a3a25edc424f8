// --log-format and --log-level for the daemons (common/log.h says what
// they mean). Header-only; CLI11 is header-only.
#pragma once

#include <string>

#include "CLI/CLI.hpp"
#include "common/log.h"

namespace hetsched::log {

struct LogFlags {
  std::string format = "text";
  std::string level = "info";
};

inline void AddLogFlags(CLI::App& app, LogFlags& flags) {
  app.add_option("--log-format", flags.format,
                 "diagnostic lines on stderr as text or json (one object a "
                 "line); under systemd with journald priorities")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));
  app.add_option("--log-level", flags.level,
                 "the least severe lines logged: debug, info, warn, error")
      ->capture_default_str()
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
}

// Init from the flags (already checked by CLI11) for `program`.
inline void InitFromFlags(const std::string& program, const LogFlags& flags) {
  Options options;
  options.program = program;
  (void)ParseFormat(flags.format, options);
  (void)ParseLevel(flags.level, options);
  options.journald = StderrIsJournal();
  Init(options);
}

}  // namespace hetsched::log
