#include "agent/agent_log.h"

#include <cstdio>
#include <mutex>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace hetsched::agent {

void AgentLog(const std::string& line) {
  static std::mutex* mu = new std::mutex();
  const std::string when = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                                            absl::UTCTimeZone());
  std::lock_guard<std::mutex> lock(*mu);
  std::fprintf(stderr, "%s hetsched-agent: %s\n", when.c_str(), line.c_str());
  std::fflush(stderr);
}

}  // namespace hetsched::agent
