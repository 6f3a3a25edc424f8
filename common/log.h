// The daemons' diagnostic log (spdlog underneath): leveled lines on stderr,
// as text or as one JSON object a line, with key=value fields beside the
// message. Under systemd (stderr connected to the journal, $JOURNAL_STREAM)
// each line starts with its syslog priority, "<6>", and carries no
// timestamp: journald keeps both. stdout stays the daemons' own ("...
// listening on HOST:PORT"). Thread-safe; usable before Init (text, info).
//
//   text:    2026-12-02T13:55:00.123Z INFO hetsched-scheduler: store write
//            failed; exiting error="disk full"
//   json:    {"ts":"2026-12-02T13:55:00.123Z","level":"info",
//             "program":"hetsched-scheduler","msg":"...","node":"h0"}
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace spdlog::sinks {
class sink;
}  // namespace spdlog::sinks

namespace hetsched::log {

enum class Level { kDebug, kInfo, kWarn, kError };

struct Options {
  std::string program = "hetsched";
  bool json = false;
  Level level = Level::kInfo;
  // The syslog-priority prefix for journald; Init sets it from
  // $JOURNAL_STREAM unless a test says otherwise.
  bool journald = false;
};

// "text"/"json" and "debug"/"info"/"warn"/"error": INVALID_ARGUMENT naming
// the flag otherwise.
absl::Status ParseFormat(const std::string& text, Options& options);
absl::Status ParseLevel(const std::string& text, Options& options);

// True when stderr is the journal stream systemd named in $JOURNAL_STREAM.
bool StderrIsJournal();

// Replaces the process's logger; `sink` (tests) instead of stderr.
void Init(const Options& options,
          std::shared_ptr<spdlog::sinks::sink> sink = nullptr);

using Fields = std::vector<std::pair<std::string, std::string>>;

void Log(Level level, absl::string_view message, const Fields& fields = {});
inline void Debug(absl::string_view message, const Fields& fields = {}) {
  Log(Level::kDebug, message, fields);
}
inline void Info(absl::string_view message, const Fields& fields = {}) {
  Log(Level::kInfo, message, fields);
}
inline void Warn(absl::string_view message, const Fields& fields = {}) {
  Log(Level::kWarn, message, fields);
}
inline void Error(absl::string_view message, const Fields& fields = {}) {
  Log(Level::kError, message, fields);
}

}  // namespace hetsched::log
