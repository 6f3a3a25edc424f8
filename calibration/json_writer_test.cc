#include "calibration/json_writer.h"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

#include "gtest/gtest.h"

namespace hetsched::calibrate {
namespace {

TEST(JsonWriterTest, QuoteEscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(JsonQuote("plain"), "\"plain\"");
  EXPECT_EQ(JsonQuote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(JsonQuote("tab\tnl\ncr\r"), "\"tab\\tnl\\ncr\\r\"");
  EXPECT_EQ(JsonQuote(std::string("\x01\x1f", 2)), "\"\\u0001\\u001f\"");
  EXPECT_EQ(JsonQuote(std::string("nul\0x", 5)), "\"nul\\u0000x\"");
}

TEST(JsonWriterTest, QuoteKeepsUtf8AsIs) {
  EXPECT_EQ(JsonQuote("H200 \xC2\xB5s"), "\"H200 \xC2\xB5s\"");
}

TEST(JsonWriterTest, NumbersUseTheShortestExactForm) {
  EXPECT_EQ(JsonNumber(0.1), "0.1");
  EXPECT_EQ(JsonNumber(100.0), "100");
  EXPECT_EQ(JsonNumber(-2.5e-7), "-2.5e-07");
  const double third = 1.0 / 3.0;
  EXPECT_EQ(std::strtod(JsonNumber(third).c_str(), nullptr), third);
}

TEST(JsonWriterTest, NonFiniteNumbersAreNull) {
  EXPECT_EQ(JsonNumber(std::nan("")), "null");
  EXPECT_EQ(JsonNumber(std::numeric_limits<double>::infinity()), "null");
  EXPECT_EQ(JsonNumber(-std::numeric_limits<double>::infinity()), "null");
}

TEST(JsonWriterTest, CompactDocument) {
  JsonWriter w(0);
  w.BeginObject();
  w.Key("a");
  w.Int(1);
  w.Key("b");
  w.BeginArray();
  w.Bool(true);
  w.Null();
  w.Double(std::nan(""));
  w.String("x");
  w.EndArray();
  w.Key("c");
  w.BeginObject();
  w.EndObject();
  w.Key("d");
  w.BeginArray();
  w.EndArray();
  w.EndObject();
  EXPECT_EQ(w.str(), R"({"a":1,"b":[true,null,null,"x"],"c":{},"d":[]})");
}

TEST(JsonWriterTest, PrettyDocumentIndentsByLevel) {
  JsonWriter w(2);
  w.BeginObject();
  w.Key("schema_version");
  w.Int(1);
  w.Key("list");
  w.BeginArray();
  w.Int(2);
  w.EndArray();
  w.EndObject();
  EXPECT_EQ(w.str(),
            "{\n  \"schema_version\": 1,\n  \"list\": [\n    2\n  ]\n}");
}

}  // namespace
}  // namespace hetsched::calibrate
