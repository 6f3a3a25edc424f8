// The control plane's jobs by id, in numeric order of the id (spec's
// JobIdLess): "j-999999" sorts before "j-1000000" where plain string order
// would disagree, and an array's elements follow its id by index. Lists
// page newest first on this order.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "hetsched/v1/job.pb.h"
#include "spec/job_ids.h"

namespace hetsched::control {

struct JobIdOrder {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const {
    return spec::JobIdLess(a, b);
  }
};

using JobMap = std::map<std::string, v1::Job, JobIdOrder>;

}  // namespace hetsched::control
