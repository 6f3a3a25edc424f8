// A small streaming JSON writer: objects, arrays, strings, numbers, booleans
// and null, pretty-printed with two-space indentation. hetsched-calibrate
// may depend on nothing outside the C++ standard library, CUDA and NCCL,
// hence no third-party JSON library.
//
// Callers must balance Begin/End calls and give every object member a Key
// before its value; the writer does not validate this. Not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hetsched::calibrate {

// `text` as a quoted JSON string: ", \ and control characters escaped;
// other bytes (UTF-8 included) copied as they are.
std::string JsonQuote(std::string_view text);

// `value` as a JSON number with the fewest digits that read back as the
// same double; "null" for NaN and infinities, which JSON cannot express.
std::string JsonNumber(double value);

class JsonWriter {
 public:
  // `indent` spaces per level; 0 writes everything on one line.
  explicit JsonWriter(int indent = 2) : indent_(indent) {}

  void BeginObject();
  void EndObject();
  void BeginArray();
  void EndArray();
  // The next value is the member `key` of the enclosing object.
  void Key(std::string_view key);

  void String(std::string_view value);
  void Int(int64_t value);
  void Double(double value);  // NaN and infinities are written as null
  void Bool(bool value);
  void Null();

  // The document written so far.
  const std::string& str() const { return out_; }

 private:
  struct Level {
    bool is_object = false;
    int count = 0;
  };
  void BeforeValue();
  void Open(char bracket, bool is_object);
  void Close(char bracket);
  void NewLine();

  int indent_;
  bool after_key_ = false;
  std::vector<Level> levels_;
  std::string out_;
};

}  // namespace hetsched::calibrate
