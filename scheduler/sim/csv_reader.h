// A small RFC 4180 CSV reader: comma-separated fields, fields in double
// quotes may hold commas, line breaks and doubled quotes (""), CRLF or LF
// line ends. Every field remembers the line and column where it starts so
// that errors can name them. Thread-compatible (a pure function).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace hetsched::sim {

struct CsvField {
  std::string value;
  int line = 0;    // 1-based
  int column = 0;  // 1-based, in characters of the line
};
using CsvRow = std::vector<CsvField>;

// Parses `text`; empty lines are skipped. INVALID_ARGUMENT, with
// "<name>:<line>:<column>: reason", for a quote that is never closed or
// text after a closing quote.
absl::StatusOr<std::vector<CsvRow>> ParseCsv(std::string_view text,
                                             const std::string& name);

// `value` quoted for CSV when it needs to be.
std::string CsvQuote(const std::string& value);

}  // namespace hetsched::sim
