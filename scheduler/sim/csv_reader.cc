#include "scheduler/sim/csv_reader.h"

#include "absl/strings/str_cat.h"

namespace hetsched::sim {
namespace {

absl::Status ErrorAt(const std::string& name, int line, int column,
                     const std::string& reason) {
  return absl::InvalidArgumentError(
      absl::StrCat(name, ":", line, ":", column, ": ", reason));
}

}  // namespace

absl::StatusOr<std::vector<CsvRow>> ParseCsv(std::string_view text,
                                             const std::string& name) {
  std::vector<CsvRow> rows;
  CsvRow row;
  size_t i = 0;
  int line = 1, column = 1;
  auto advance = [&](size_t n) {
    for (size_t k = 0; k < n && i < text.size(); ++k, ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
  };
  bool row_has_content = false;
  while (i <= text.size()) {
    CsvField field{"", line, column};
    if (i < text.size() && text[i] == '"') {
      advance(1);
      bool closed = false;
      while (i < text.size()) {
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field.value += '"';
            advance(2);
            continue;
          }
          advance(1);
          closed = true;
          break;
        }
        field.value += text[i];
        advance(1);
      }
      if (!closed) {
        return ErrorAt(name, field.line, field.column,
                       "quoted field is never closed");
      }
      if (i < text.size() && text[i] != ',' && text[i] != '\n' &&
          text[i] != '\r') {
        return ErrorAt(name, line, column, "text after a closing quote");
      }
      row_has_content = true;
    } else {
      while (i < text.size() && text[i] != ',' && text[i] != '\n' &&
             text[i] != '\r') {
        field.value += text[i];
        advance(1);
      }
      row_has_content = row_has_content || !field.value.empty();
    }
    row.push_back(std::move(field));
    if (i < text.size() && text[i] == ',') {
      advance(1);
      row_has_content = true;
      continue;
    }
    // End of a record: CRLF, LF, or the end of the text.
    if (i < text.size() && text[i] == '\r') advance(1);
    if (i < text.size() && text[i] == '\n') advance(1);
    if (row_has_content) rows.push_back(std::move(row));
    row.clear();
    row_has_content = false;
    if (i >= text.size()) break;
  }
  return rows;
}

std::string CsvQuote(const std::string& value) {
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace hetsched::sim
