// Durations as operators type them in flags: "90s", "30m", "24h", "7d".
// Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace hetsched {

// A whole number and one unit (s, m, h, d) in milliseconds; nullopt for
// anything else.
std::optional<int64_t> ParseDurationMs(const std::string& text);

}  // namespace hetsched
