// A small, strict JSON parser: recursive descent over a string_view.
#include "calibration/json_reader.h"

#include <cerrno>
#include <cstdlib>
#include <string>

namespace hetsched::calibrate {
namespace {

constexpr int kMaxDepth = 128;

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Status ParseDocument(JsonValue* value) {
    SkipWhitespace();
    HETSCHED_CAL_RETURN_IF_ERROR(ParseValue(0, value));
    SkipWhitespace();
    if (pos_ != text_.size()) return Error("unexpected text after the value");
    return OkStatus();
  }

 private:
  Status Error(const std::string& what) const {
    return InvalidArgumentError("JSON: " + what + " at offset " +
                                std::to_string(pos_));
  }

  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return text_[pos_]; }

  void SkipWhitespace() {
    while (!AtEnd() && (Peek() == ' ' || Peek() == '\t' || Peek() == '\n' ||
                        Peek() == '\r')) {
      ++pos_;
    }
  }

  bool ConsumeLiteral(std::string_view literal) {
    if (text_.substr(pos_, literal.size()) != literal) return false;
    pos_ += literal.size();
    return true;
  }

  Status ParseValue(int depth, JsonValue* value) {
    if (depth > kMaxDepth) return Error("nesting too deep");
    if (AtEnd()) return Error("unexpected end of input");
    switch (Peek()) {
      case '{':
        return ParseObject(depth, value);
      case '[':
        return ParseArray(depth, value);
      case '"': {
        std::string s;
        HETSCHED_CAL_RETURN_IF_ERROR(ParseString(&s));
        *value = JsonValue::MakeString(std::move(s));
        return OkStatus();
      }
      case 't':
        if (!ConsumeLiteral("true")) return Error("invalid literal");
        *value = JsonValue::MakeBool(true);
        return OkStatus();
      case 'f':
        if (!ConsumeLiteral("false")) return Error("invalid literal");
        *value = JsonValue::MakeBool(false);
        return OkStatus();
      case 'n':
        if (!ConsumeLiteral("null")) return Error("invalid literal");
        *value = JsonValue();
        return OkStatus();
      default:
        return ParseNumber(value);
    }
  }

  Status ParseObject(int depth, JsonValue* value) {
    ++pos_;  // '{'
    JsonValue::Members members;
    SkipWhitespace();
    if (!AtEnd() && Peek() == '}') {
      ++pos_;
      *value = JsonValue::MakeObject(std::move(members));
      return OkStatus();
    }
    while (true) {
      SkipWhitespace();
      if (AtEnd() || Peek() != '"') return Error("expected a member name");
      std::string key;
      HETSCHED_CAL_RETURN_IF_ERROR(ParseString(&key));
      SkipWhitespace();
      if (AtEnd() || Peek() != ':') return Error("expected ':'");
      ++pos_;
      SkipWhitespace();
      JsonValue member;
      HETSCHED_CAL_RETURN_IF_ERROR(ParseValue(depth + 1, &member));
      members.emplace_back(std::move(key), std::move(member));
      SkipWhitespace();
      if (AtEnd()) return Error("unterminated object");
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      if (Peek() == '}') {
        ++pos_;
        break;
      }
      return Error("expected ',' or '}'");
    }
    *value = JsonValue::MakeObject(std::move(members));
    return OkStatus();
  }

  Status ParseArray(int depth, JsonValue* value) {
    ++pos_;  // '['
    std::vector<JsonValue> items;
    SkipWhitespace();
    if (!AtEnd() && Peek() == ']') {
      ++pos_;
      *value = JsonValue::MakeArray(std::move(items));
      return OkStatus();
    }
    while (true) {
      SkipWhitespace();
      JsonValue item;
      HETSCHED_CAL_RETURN_IF_ERROR(ParseValue(depth + 1, &item));
      items.push_back(std::move(item));
      SkipWhitespace();
      if (AtEnd()) return Error("unterminated array");
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      if (Peek() == ']') {
        ++pos_;
        break;
      }
      return Error("expected ',' or ']'");
    }
    *value = JsonValue::MakeArray(std::move(items));
    return OkStatus();
  }

  // Reads four hex digits after "\u".
  Status ParseHex4(uint32_t* code) {
    if (text_.size() - pos_ < 4) return Error("truncated \\u escape");
    uint32_t result = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[pos_++];
      result <<= 4;
      if (c >= '0' && c <= '9') {
        result |= static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        result |= static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        result |= static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return Error("invalid \\u escape");
      }
    }
    *code = result;
    return OkStatus();
  }

  static void AppendUtf8(uint32_t code, std::string* out) {
    if (code < 0x80) {
      out->push_back(static_cast<char>(code));
    } else if (code < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (code >> 6)));
      out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else if (code < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (code >> 12)));
      out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (code >> 18)));
      out->push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
    }
  }

  Status ParseEscape(std::string* out) {
    if (AtEnd()) return Error("unterminated string");
    const char c = text_[pos_++];
    switch (c) {
      case '"':
      case '\\':
      case '/':
        out->push_back(c);
        return OkStatus();
      case 'b':
        out->push_back('\b');
        return OkStatus();
      case 'f':
        out->push_back('\f');
        return OkStatus();
      case 'n':
        out->push_back('\n');
        return OkStatus();
      case 'r':
        out->push_back('\r');
        return OkStatus();
      case 't':
        out->push_back('\t');
        return OkStatus();
      case 'u':
        break;
      default:
        return Error("invalid escape");
    }
    uint32_t code = 0;
    HETSCHED_CAL_RETURN_IF_ERROR(ParseHex4(&code));
    if (code >= 0xDC00 && code <= 0xDFFF) return Error("lone low surrogate");
    if (code >= 0xD800 && code <= 0xDBFF) {
      if (!ConsumeLiteral("\\u")) return Error("lone high surrogate");
      uint32_t low = 0;
      HETSCHED_CAL_RETURN_IF_ERROR(ParseHex4(&low));
      if (low < 0xDC00 || low > 0xDFFF) return Error("invalid surrogate pair");
      code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
    }
    AppendUtf8(code, out);
    return OkStatus();
  }

  Status ParseString(std::string* out) {
    ++pos_;  // opening quote
    out->clear();
    while (true) {
      if (AtEnd()) return Error("unterminated string");
      const char c = text_[pos_++];
      if (c == '"') return OkStatus();
      if (c == '\\') {
        HETSCHED_CAL_RETURN_IF_ERROR(ParseEscape(out));
      } else if (static_cast<unsigned char>(c) < 0x20) {
        return Error("unescaped control character in string");
      } else {
        out->push_back(c);
      }
    }
  }

  bool ConsumeDigits() {
    const size_t start = pos_;
    while (!AtEnd() && Peek() >= '0' && Peek() <= '9') ++pos_;
    return pos_ > start;
  }

  // number = [ "-" ] int [ frac ] [ exp ]; int = "0" / digit1-9 *digit
  Status ParseNumber(JsonValue* value) {
    const size_t start = pos_;
    if (!AtEnd() && Peek() == '-') ++pos_;
    if (AtEnd()) return Error("invalid number");
    if (Peek() == '0') {
      ++pos_;
    } else if (!ConsumeDigits()) {
      return Error("unexpected character");
    }
    if (!AtEnd() && Peek() == '.') {
      ++pos_;
      if (!ConsumeDigits()) return Error("invalid number");
    }
    if (!AtEnd() && (Peek() == 'e' || Peek() == 'E')) {
      ++pos_;
      if (!AtEnd() && (Peek() == '+' || Peek() == '-')) ++pos_;
      if (!ConsumeDigits()) return Error("invalid number");
    }
    const std::string literal(text_.substr(start, pos_ - start));
    errno = 0;
    const double number = std::strtod(literal.c_str(), nullptr);
    if (errno == ERANGE && (number > 1.0 || number < -1.0)) {
      return Error("number out of range");
    }
    *value = JsonValue::MakeNumber(number);
    return OkStatus();
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

JsonValue JsonValue::MakeBool(bool value) {
  JsonValue v;
  v.type_ = Type::kBool;
  v.bool_ = value;
  return v;
}

JsonValue JsonValue::MakeNumber(double value) {
  JsonValue v;
  v.type_ = Type::kNumber;
  v.number_ = value;
  return v;
}

JsonValue JsonValue::MakeString(std::string value) {
  JsonValue v;
  v.type_ = Type::kString;
  v.string_ = std::move(value);
  return v;
}

JsonValue JsonValue::MakeArray(std::vector<JsonValue> items) {
  JsonValue v;
  v.type_ = Type::kArray;
  v.items_ = std::move(items);
  return v;
}

JsonValue JsonValue::MakeObject(Members members) {
  JsonValue v;
  v.type_ = Type::kObject;
  v.members_ = std::move(members);
  return v;
}

const JsonValue* JsonValue::Find(std::string_view key) const {
  if (type_ != Type::kObject) return nullptr;
  for (const auto& [name, member] : members_) {
    if (name == key) return &member;
  }
  return nullptr;
}

Status ParseJson(std::string_view text, JsonValue* value) {
  JsonValue parsed;
  HETSCHED_CAL_RETURN_IF_ERROR(Parser(text).ParseDocument(&parsed));
  *value = std::move(parsed);
  return OkStatus();
}

}  // namespace hetsched::calibrate
