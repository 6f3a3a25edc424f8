// CLI11 checks for numeric flags that say plainly what they want: CLI11's
// own PositiveNumber and NonNegativeNumber name a range up to DBL_MAX.
// Shared by the programs whose flags are numbers (the simulator, benches).
#pragma once

#include <optional>
#include <string>

#include "CLI/CLI.hpp"

namespace hetsched {

inline CLI::Validator NumberCheck(bool (*accept)(double),
                                  const std::string& want,
                                  const std::string& name) {
  return CLI::Validator(
      [accept, want](const std::string& text) -> std::string {
        double value = 0;
        return CLI::detail::lexical_cast(text, value) && accept(value)
                   ? std::string()
                   : "want " + want + ", got '" + text + "'";
      },
      name);
}

inline const CLI::Validator kNonNegative = NumberCheck(
    [](double v) { return v >= 0; }, "a non-negative number", "NUMBER >= 0");
inline const CLI::Validator kPositive = NumberCheck(
    [](double v) { return v > 0; }, "a positive number", "NUMBER > 0");
inline const CLI::Validator kPositiveCount = NumberCheck(
    [](double v) { return v >= 1 && v == static_cast<long long>(v); },
    "a whole number of at least 1", "N >= 1");

// Parses argv: nullopt when the program should go on, else the exit code
// (0 after --help, 2 for a bad flag, with CLI11's message printed).
inline std::optional<int> ParseFlags(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  return std::nullopt;
}

}  // namespace hetsched
