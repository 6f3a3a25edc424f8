// A plain-text table for the CLI: a header row and data rows, printed with
// each column padded to its widest cell so that columns line up. Pure: no
// I/O beyond the stream it is handed. Not thread-safe; build one per use.
#pragma once

#include <cstddef>
#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace hetsched::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> headers);

  // Rows shorter than the header are padded with empty cells; longer ones
  // are cut, so a caller's slip never misaligns the whole table.
  void AddRow(std::vector<std::string> cells);

  // Cells of `column` longer than `width` characters are cut to fit and end
  // in "...": free text (reasons, messages) must not push a table past 80
  // columns.
  void SetMaxWidth(size_t column, size_t width);

  size_t rows() const { return rows_.size(); }

  // Columns are separated by two spaces; the last column is not padded so
  // lines carry no trailing blanks.
  void Print(std::ostream& out) const;
  std::string ToString() const;

 private:
  std::string Cell(size_t column, const std::string& text) const;

  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
  std::map<size_t, size_t> max_width_;
};

// The display width of UTF-8 text, counted in code points (good enough for
// names and messages; we print no wide characters ourselves).
size_t DisplayWidth(const std::string& text);

// `text` cut to at most `width` code points, ending in "..." when cut.
std::string Truncate(const std::string& text, size_t width);

}  // namespace hetsched::cli
