#include "agent/agent_log.h"

#include "common/log.h"

namespace hetsched::agent {

void AgentLog(const std::string& line) { log::Info(line); }

}  // namespace hetsched::agent
