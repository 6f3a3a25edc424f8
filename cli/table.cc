#include "cli/table.h"

#include <algorithm>
#include <sstream>

namespace hetsched::cli {
namespace {

bool IsContinuationByte(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// Byte offset just past the first `n` code points of `text`.
size_t PrefixBytes(const std::string& text, size_t n) {
  size_t i = 0;
  size_t seen = 0;
  while (i < text.size()) {
    if (!IsContinuationByte(text[i])) {
      if (seen == n) break;
      ++seen;
    }
    ++i;
  }
  return i;
}

}  // namespace

size_t DisplayWidth(const std::string& text) {
  return static_cast<size_t>(std::count_if(
      text.begin(), text.end(), [](char c) { return !IsContinuationByte(c); }));
}

std::string Truncate(const std::string& text, size_t width) {
  if (DisplayWidth(text) <= width) return text;
  constexpr size_t kEllipsis = 3;
  if (width <= kEllipsis) return text.substr(0, PrefixBytes(text, width));
  return text.substr(0, PrefixBytes(text, width - kEllipsis)) + "...";
}

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

void Table::SetMaxWidth(size_t column, size_t width) {
  max_width_[column] = width;
}

std::string Table::Cell(size_t column, const std::string& text) const {
  // Tabs and newlines would break the layout, and an escape sequence
  // (ESC, BEL, ...) in a stored name or reason must never reach an
  // operator's terminal raw: every control byte prints as a space.
  std::string flat = text;
  std::replace_if(
      flat.begin(), flat.end(),
      [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte < 0x20 || byte == 0x7f;
      },
      ' ');
  auto it = max_width_.find(column);
  return it == max_width_.end() ? flat : Truncate(flat, it->second);
}

void Table::Print(std::ostream& out) const {
  const size_t n = headers_.size();
  std::vector<std::vector<std::string>> cells;
  cells.reserve(rows_.size() + 1);
  cells.push_back(headers_);
  for (const auto& row : rows_) {
    std::vector<std::string> shown(n);
    for (size_t c = 0; c < n; ++c) shown[c] = Cell(c, row[c]);
    cells.push_back(std::move(shown));
  }
  std::vector<size_t> width(n, 0);
  for (const auto& row : cells) {
    for (size_t c = 0; c < n; ++c) {
      width[c] = std::max(width[c], DisplayWidth(row[c]));
    }
  }
  for (const auto& row : cells) {
    std::string line;
    for (size_t c = 0; c < n; ++c) {
      line += row[c];
      if (c + 1 < n) line.append(width[c] - DisplayWidth(row[c]) + 2, ' ');
    }
    // An empty last cell would otherwise leave the padding of the one
    // before it.
    line.erase(line.find_last_not_of(' ') + 1);
    out << line << '\n';
  }
}

std::string Table::ToString() const {
  std::ostringstream out;
  Print(out);
  return out.str();
}

}  // namespace hetsched::cli
