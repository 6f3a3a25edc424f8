// SHA-256 digests as lowercase hex, over OpenSSL's libcrypto: the content
// address of workdir archives (scheduler store, agent cache, clients).
// A Sha256 object is not thread-safe; the free functions are.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace hetsched {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::string_view data);
  // The digest of everything given so far, as 64 lowercase hex digits;
  // the object is spent afterwards.
  std::string HexDigest();

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

std::string Sha256Hex(std::string_view data);
// The digest of a file's bytes; NOT_FOUND/INTERNAL naming the path.
absl::StatusOr<std::string> Sha256HexOfFile(const std::string& path);
// 64 lowercase hex digits: what Sha256Hex returns.
bool IsSha256Hex(std::string_view text);

}  // namespace hetsched
