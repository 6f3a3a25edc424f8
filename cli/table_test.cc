#include "cli/table.h"

#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace hetsched::cli {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(TableTest, AlignsEveryColumnToItsWidestCell) {
  Table table({"ID", "NAME", "STATE"});
  table.AddRow({"j-1", "train-demo", "RUNNING"});
  table.AddRow({"j-22", "x", "PENDING"});
  auto lines = Lines(table.ToString());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "ID    NAME        STATE");
  EXPECT_EQ(lines[1], "j-1   train-demo  RUNNING");
  EXPECT_EQ(lines[2], "j-22  x           PENDING");
}

TEST(TableTest, LeavesNoTrailingBlanks) {
  Table table({"A", "B"});
  table.AddRow({"long-value", ""});
  for (const auto& line : Lines(table.ToString())) {
    ASSERT_FALSE(line.empty());
    EXPECT_NE(line.back(), ' ') << "'" << line << "'";
  }
}

TEST(TableTest, CutsCellsOverTheirMaximumWidth) {
  Table table({"ID", "REASON"});
  table.SetMaxWidth(1, 10);
  table.AddRow({"j-1", "no node has 64 free nvidia/h100"});
  EXPECT_EQ(Lines(table.ToString())[1], "j-1  no node...");
}

TEST(TableTest, PadsShortRowsAndFlattensNewlines) {
  Table table({"A", "B", "C"});
  table.AddRow({"x"});
  table.AddRow({"1", "two\nlines", "3"});
  auto lines = Lines(table.ToString());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1], "x");
  EXPECT_EQ(lines[2], "1  two lines  3");
}

TEST(TableTest, PrintsNoControlBytes) {
  Table t({"NODE", "REASON"});
  t.AddRow({"h0", "\x1b]0;owned\a\x1b[2Jdisk"});
  const std::string out = t.ToString();
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
  EXPECT_EQ(out.find('\a'), std::string::npos);
  EXPECT_NE(out.find(" ]0;owned  [2Jdisk"), std::string::npos) << out;
}

TEST(TableTest, CountsUtf8CodePointsNotBytes) {
  EXPECT_EQ(DisplayWidth("h\xC3\xA9llo"), 5u);  // "héllo"
  Table table({"NAME", "X"});
  table.AddRow({"h\xC3\xA9", "1"});
  table.AddRow({"abc", "2"});
  auto lines = Lines(table.ToString());
  EXPECT_EQ(lines[1], "h\xC3\xA9    1");
  EXPECT_EQ(lines[2], "abc   2");
}

TEST(TableTest, TruncateKeepsShortTextWhole) {
  EXPECT_EQ(Truncate("abc", 3), "abc");
  EXPECT_EQ(Truncate("abcdef", 5), "ab...");
  EXPECT_EQ(Truncate("abcdef", 2), "ab");
}

}  // namespace
}  // namespace hetsched::cli
