// The agent's diagnostic log: common/log.h's leveled lines on stderr, as
// --log-format says (stdout carries only the "listening on" line that
// scripts read). Thread-safe.
#pragma once

#include <string>

namespace hetsched::agent {

void AgentLog(const std::string& line);

}  // namespace hetsched::agent
