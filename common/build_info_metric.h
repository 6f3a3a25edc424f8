// hetsched_build_info{version, revision} 1: which build a process runs,
// so a dashboard shows a fleet mid-upgrade. Every daemon registers it.
#pragma once

#include "prometheus/registry.h"

namespace hetsched {

void RegisterBuildInfo(prometheus::Registry& registry);

}  // namespace hetsched
