#include "common/workdir_ignore.h"

#include <gtest/gtest.h>

namespace hetsched {
namespace {

TEST(GlobMatchTest, StarAndQuestionMarkStopAtSlashes) {
  EXPECT_TRUE(GlobMatch("*.pyc", "a.pyc"));
  EXPECT_FALSE(GlobMatch("*.pyc", "dir/a.pyc"));
  EXPECT_TRUE(GlobMatch("a?c", "abc"));
  EXPECT_FALSE(GlobMatch("a?c", "a/c"));
  EXPECT_TRUE(GlobMatch("[a-c]x", "bx"));
  EXPECT_FALSE(GlobMatch("[!a-c]x", "bx"));
}

TEST(GlobMatchTest, DoubleStarCrossesDirectories) {
  EXPECT_TRUE(GlobMatch("**/cache", "cache"));
  EXPECT_TRUE(GlobMatch("**/cache", "a/b/cache"));
  EXPECT_TRUE(GlobMatch("logs/**", "logs/a/b.txt"));
  EXPECT_TRUE(GlobMatch("a/**/b", "a/b"));
  EXPECT_TRUE(GlobMatch("a/**/b", "a/x/y/b"));
  EXPECT_FALSE(GlobMatch("a/**/b", "c/a/x/b"));
}

TEST(WorkdirIgnoreTest, UnanchoredPatternsMatchANameAtAnyDepth) {
  const auto ignore =
      WorkdirIgnore::Parse("# comment\n\n*.pyc\n__pycache__/\n");
  EXPECT_TRUE(ignore.Ignored("a.pyc", false));
  EXPECT_TRUE(ignore.Ignored("pkg/sub/a.pyc", false));
  EXPECT_TRUE(ignore.Ignored("pkg/__pycache__", true));
  EXPECT_FALSE(ignore.Ignored("pkg/__pycache__", false));  // a file: kept
  EXPECT_FALSE(ignore.Ignored("train.py", false));
  EXPECT_FALSE(ignore.Ignored("# comment", false));
}

TEST(WorkdirIgnoreTest, LeadingOrInnerSlashAnchorsAtTheRoot) {
  const auto ignore = WorkdirIgnore::Parse("/data\nbuild/out\n");
  EXPECT_TRUE(ignore.Ignored("data", true));
  EXPECT_FALSE(ignore.Ignored("src/data", true));
  EXPECT_TRUE(ignore.Ignored("build/out", false));
  EXPECT_FALSE(ignore.Ignored("x/build/out", false));
}

TEST(WorkdirIgnoreTest, NegationReincludesAndTheLastMatchWins) {
  const auto ignore = WorkdirIgnore::Parse("*.log\n!keep.log\n");
  EXPECT_TRUE(ignore.Ignored("a.log", false));
  EXPECT_FALSE(ignore.Ignored("keep.log", false));
  EXPECT_FALSE(ignore.Ignored("sub/keep.log", false));
  const auto again = WorkdirIgnore::Parse("!keep.log\n*.log\n");
  EXPECT_TRUE(again.Ignored("keep.log", false));
}

TEST(WorkdirIgnoreTest, GitDirectoryIsAlwaysExcluded) {
  const auto ignore = WorkdirIgnore::Parse("");
  EXPECT_TRUE(ignore.Ignored(".git", true));
  EXPECT_TRUE(ignore.Ignored("vendor/lib/.git", false));  // a submodule's
  EXPECT_FALSE(ignore.Ignored(".gitignore", false));
}

}  // namespace
}  // namespace hetsched
