#include "scheduler/server/audit_log.h"

#include <cstdio>
#include <mutex>
#include <string>

#include "absl/time/clock.h"
#include "nlohmann/json.hpp"

namespace hetsched::server {

void Audit(absl::string_view action, absl::string_view caller,
           absl::string_view target, absl::string_view outcome) {
  const nlohmann::json line = {{"audit", std::string(action)},
                               {"caller", std::string(caller)},
                               {"target", std::string(target)},
                               {"outcome", std::string(outcome)},
                               {"time_ms", absl::ToUnixMillis(absl::Now())}};
  // dump() escapes control characters, so a hostile name cannot forge a
  // line or reach an operator's terminal raw.
  const std::string text = line.dump(-1, ' ', true) + "\n";
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  std::fwrite(text.data(), 1, text.size(), stderr);
}

}  // namespace hetsched::server
