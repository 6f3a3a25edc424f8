// A minimal HTTP/1.0 GET over a loopback socket for end-to-end tests:
// enough to read Prometheus's query API and a /metrics page without a
// client library. Thread-compatible (no shared state).
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace hetsched::testing {

struct HttpResponse {
  int status = 0;
  std::string body;
};

// GET http://HOST:PORT`target` (target starts with '/'); HOST must be a
// numeric IPv4 address. UNAVAILABLE when nothing answers.
absl::StatusOr<HttpResponse> HttpGet(const std::string& host, int port,
                                     const std::string& target);

// Percent-encodes a query-string value.
std::string UrlEncode(const std::string& value);

}  // namespace hetsched::testing
