#include "common/log.h"

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "spdlog/formatter.h"
#include "spdlog/logger.h"
#include "spdlog/sinks/stdout_sinks.h"

namespace hetsched::log {
namespace {

spdlog::level::level_enum ToSpdlog(Level level) {
  switch (level) {
    case Level::kDebug:
      return spdlog::level::debug;
    case Level::kInfo:
      return spdlog::level::info;
    case Level::kWarn:
      return spdlog::level::warn;
    case Level::kError:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

const char* Name(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug:
      return "debug";
    case spdlog::level::info:
      return "info";
    case spdlog::level::warn:
      return "warn";
    default:
      return "error";
  }
}

// sd-daemon(3) priorities: 7 debug, 6 info, 4 warning, 3 err.
int Priority(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug:
      return 7;
    case spdlog::level::info:
      return 6;
    case spdlog::level::warn:
      return 4;
    default:
      return 3;
  }
}

// Renders a whole line from the payload Log() prepared: the message and
// fields, as text ("msg k=v") or as JSON members ("\"msg\":...,\"k\":...").
class LineFormatter final : public spdlog::formatter {
 public:
  explicit LineFormatter(Options options) : options_(std::move(options)) {}

  void format(const spdlog::details::log_msg& msg,
              spdlog::memory_buf_t& dest) override {
    std::string line;
    if (options_.journald) {
      line = absl::StrCat("<", Priority(msg.level), ">");
    }
    const std::string body(msg.payload.data(), msg.payload.size());
    if (options_.json) {
      nlohmann::ordered_json head;
      if (!options_.journald) head["ts"] = Timestamp(msg);
      head["level"] = Name(msg.level);
      head["program"] = options_.program;
      std::string text = head.dump();
      text.pop_back();  // the closing brace: the payload's members follow
      absl::StrAppend(&line, text, ",", body, "}\n");
    } else {
      if (!options_.journald) {
        absl::StrAppend(&line, Timestamp(msg), " ",
                        absl::AsciiStrToUpper(Name(msg.level)), " ");
      }
      absl::StrAppend(&line, options_.program, ": ", body, "\n");
    }
    dest.append(line.data(), line.data() + line.size());
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<LineFormatter>(options_);
  }

 private:
  static std::string Timestamp(const spdlog::details::log_msg& msg) {
    return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::FromChrono(msg.time),
                            absl::UTCTimeZone());
  }
  Options options_;
};

bool HasControl(absl::string_view text) {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < ' ' || u == 0x7f) return true;
  }
  return false;
}

// logfmt: bare when the value is plain, else quoted with C escapes (no raw
// control character reaches a terminal).
std::string TextValue(absl::string_view value) {
  bool plain = !value.empty();
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= ' ' || u == '"' || u == '=' || u == '\\' || u >= 0x7f) {
      plain = false;
      break;
    }
  }
  return plain ? std::string(value)
               : absl::StrCat("\"", absl::CEscape(value), "\"");
}

bool json_mode = false;  // guarded by logger_mu

std::mutex& LoggerMu() {
  static std::mutex* mu = new std::mutex();
  return *mu;
}

std::shared_ptr<spdlog::logger>& LoggerSlot() {
  static auto* logger = new std::shared_ptr<spdlog::logger>();
  return *logger;
}

std::shared_ptr<spdlog::logger> MakeLogger(
    const Options& options, std::shared_ptr<spdlog::sinks::sink> sink) {
  if (sink == nullptr) sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>(options.program, sink);
  logger->set_formatter(std::make_unique<LineFormatter>(options));
  logger->set_level(ToSpdlog(options.level));
  logger->flush_on(spdlog::level::trace);  // every line: a crash loses none
  return logger;
}

std::pair<std::shared_ptr<spdlog::logger>, bool> Current() {
  std::lock_guard<std::mutex> lock(LoggerMu());
  auto& slot = LoggerSlot();
  if (slot == nullptr) {
    Options defaults;
    defaults.journald = StderrIsJournal();
    slot = MakeLogger(defaults, nullptr);
  }
  return {slot, json_mode};
}

}  // namespace

absl::Status ParseFormat(const std::string& text, Options& options) {
  if (text != "text" && text != "json") {
    return absl::InvalidArgumentError(
        absl::StrCat("--log-format: want text or json, got '", text, "'"));
  }
  options.json = text == "json";
  return absl::OkStatus();
}

absl::Status ParseLevel(const std::string& text, Options& options) {
  const std::pair<const char*, Level> levels[] = {{"debug", Level::kDebug},
                                                  {"info", Level::kInfo},
                                                  {"warn", Level::kWarn},
                                                  {"error", Level::kError}};
  for (const auto& [name, level] : levels) {
    if (text == name) {
      options.level = level;
      return absl::OkStatus();
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "--log-level: want debug, info, warn or error, got '", text, "'"));
}

bool StderrIsJournal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  std::vector<std::string> parts = absl::StrSplit(stream, ':');
  unsigned long long dev = 0, ino = 0;  // NOLINT: stat's field widths
  struct stat st;
  return parts.size() == 2 && absl::SimpleAtoi(parts[0], &dev) &&
         absl::SimpleAtoi(parts[1], &ino) && fstat(2, &st) == 0 &&
         st.st_dev == dev && st.st_ino == ino;
}

void Init(const Options& options, std::shared_ptr<spdlog::sinks::sink> sink) {
  auto logger = MakeLogger(options, std::move(sink));
  std::lock_guard<std::mutex> lock(LoggerMu());
  LoggerSlot() = std::move(logger);
  json_mode = options.json;
}

void Log(Level level, absl::string_view message, const Fields& fields) {
  auto [logger, json] = Current();
  const spdlog::level::level_enum l = ToSpdlog(level);
  if (!logger->should_log(l)) return;
  std::string body;
  if (json) {
    nlohmann::ordered_json members;
    members["msg"] = std::string(message);
    for (const auto& [key, value] : fields) members[key] = value;
    // Invalid UTF-8 is replaced, never thrown on.
    body =
        members.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    body = body.substr(1, body.size() - 2);  // the members alone
  } else {
    body =
        HasControl(message) ? absl::CHexEscape(message) : std::string(message);
    for (const auto& [key, value] : fields) {
      absl::StrAppend(&body, " ", key, "=", TextValue(value));
    }
  }
  logger->log(l, spdlog::string_view_t(body.data(), body.size()));
}

}  // namespace hetsched::log
