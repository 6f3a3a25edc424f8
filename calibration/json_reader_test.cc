#include "calibration/json_reader.h"

#include <string>

#include "gtest/gtest.h"

namespace hetsched::calibrate {
namespace {

JsonValue MustParse(const std::string& text) {
  JsonValue v;
  const Status s = ParseJson(text, &v);
  EXPECT_TRUE(s.ok()) << s.ToString() << " for " << text;
  return v;
}

bool Fails(const std::string& text) {
  JsonValue v;
  return !ParseJson(text, &v).ok();
}

TEST(JsonReaderTest, ParsesScalars) {
  EXPECT_TRUE(MustParse("null").is_null());
  EXPECT_TRUE(MustParse("true").bool_value());
  EXPECT_FALSE(MustParse(" false ").bool_value());
  EXPECT_DOUBLE_EQ(MustParse("-12.5e2").number_value(), -1250.0);
  EXPECT_DOUBLE_EQ(MustParse("0").number_value(), 0.0);
  EXPECT_EQ(MustParse("\"hi\"").string_value(), "hi");
}

TEST(JsonReaderTest, ParsesNestedObjectsAndArraysInOrder) {
  const JsonValue v =
      MustParse(R"({"a": [1, {"b": null}, []], "c": {}, "a2": "x"})");
  ASSERT_TRUE(v.is_object());
  ASSERT_EQ(v.object_members().size(), 3u);
  EXPECT_EQ(v.object_members()[0].first, "a");
  const JsonValue* a = v.Find("a");
  ASSERT_NE(a, nullptr);
  ASSERT_EQ(a->array_items().size(), 3u);
  EXPECT_TRUE(a->array_items()[1].Find("b")->is_null());
  EXPECT_TRUE(a->array_items()[2].is_array());
  EXPECT_TRUE(v.Find("c")->is_object());
  EXPECT_EQ(v.Find("missing"), nullptr);
  EXPECT_EQ(a->Find("a"), nullptr);  // not an object
}

TEST(JsonReaderTest, DecodesEscapesToUtf8) {
  EXPECT_EQ(MustParse(R"("a\"b\\c\/d\n\t")").string_value(), "a\"b\\c/d\n\t");
  EXPECT_EQ(MustParse(R"("\u00b5")").string_value(), "\xC2\xB5");
  EXPECT_EQ(MustParse(R"("\u20AC")").string_value(), "\xE2\x82\xAC");
  EXPECT_EQ(MustParse(R"("\ud83d\ude00")").string_value(),
            "\xF0\x9F\x98\x80");  // surrogate pair
}

TEST(JsonReaderTest, RejectsMalformedDocuments) {
  EXPECT_TRUE(Fails(""));
  EXPECT_TRUE(Fails("{"));
  EXPECT_TRUE(Fails("[1,]"));
  EXPECT_TRUE(Fails("{\"a\" 1}"));
  EXPECT_TRUE(Fails("{\"a\":1,}"));
  EXPECT_TRUE(Fails("01"));
  EXPECT_TRUE(Fails("1."));
  EXPECT_TRUE(Fails("-"));
  EXPECT_TRUE(Fails("tru"));
  EXPECT_TRUE(Fails("NaN"));
  EXPECT_TRUE(Fails("\"unterminated"));
  EXPECT_TRUE(Fails("\"tab\there\""));
  EXPECT_TRUE(Fails(R"("\x")"));
  EXPECT_TRUE(Fails(R"("\ud83d")"));
  EXPECT_TRUE(Fails("1 2"));
  EXPECT_TRUE(Fails("1e999"));
}

TEST(JsonReaderTest, RejectsDeepNestingInsteadOfOverflowingTheStack) {
  EXPECT_TRUE(Fails(std::string(100000, '[')));
  EXPECT_FALSE(Fails(std::string(100, '[') + std::string(100, ']')));
}

TEST(JsonReaderTest, ErrorNamesTheOffset) {
  JsonValue v;
  const Status s = ParseJson("[1, x]", &v);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("offset 4"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace hetsched::calibrate
