#include "common/build_info_metric.h"

#include "common/build_info.h"
#include "prometheus/gauge.h"

namespace hetsched {

void RegisterBuildInfo(prometheus::Registry& registry) {
  prometheus::BuildGauge()
      .Name("hetsched_build_info")
      .Help("1, labelled with the version and git revision of this build.")
      .Register(registry)
      .Add({{"version", BuildVersion()}, {"revision", BuildRevision()}})
      .Set(1);
}

}  // namespace hetsched
