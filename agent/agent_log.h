// The agent's diagnostic log: timestamped lines on stderr (stdout carries
// only the "listening on" line that scripts read). Thread-safe.
#pragma once

#include <string>

namespace hetsched::agent {

void AgentLog(const std::string& line);

}  // namespace hetsched::agent
