#include "common/text_checks.h"

#include "gtest/gtest.h"

namespace hetsched {
namespace {

TEST(TextChecksTest, PrintableTextPasses) {
  EXPECT_TRUE(CheckText("reason", "disk swap, ticket #42 — ok", 64).ok());
  EXPECT_TRUE(CheckText("reason", "", 64).ok());
}

TEST(TextChecksTest, ControlCharactersAndLengthAreNamed) {
  EXPECT_EQ(CheckText("reason", "\x1b[2J", 64).message(),
            "reason: must not contain control characters");
  EXPECT_EQ(CheckText("name", std::string("a\0b", 3), 64).message(),
            "name: must not contain control characters");
  EXPECT_EQ(CheckText("name", "a\x7f", 64).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckText("name", std::string(65, 'a'), 64).message(),
            "name: must be at most 64 bytes");
}

}  // namespace
}  // namespace hetsched
