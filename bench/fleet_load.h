// The submitters of the fleet benchmark: N threads, each with its own
// channel and JobService stub, submitting one job spec over real gRPC for
// a fixed time, back to back (closed loop) or paced to a total rate.
// Run() blocks until every thread is done; not thread-safe otherwise.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "hetsched/v1/scheduler.grpc.pb.h"

namespace hetsched::bench {

struct Submission {
  std::string job_id;
  absl::Duration latency;  // SubmitJob round trip, acknowledged = durable
};

struct LoadResult {
  std::vector<Submission> accepted;
  int64_t errors = 0;
  std::string first_error;
  absl::Time start;
  absl::Time end;
};

class FleetLoad {
 public:
  struct Options {
    int submitters = 8;
    absl::Duration duration = absl::Seconds(30);
    double rate = 0;  // jobs per second over all submitters; 0: closed loop
  };

  FleetLoad(Options options,
            std::function<std::shared_ptr<grpc::Channel>()> new_channel);

  LoadResult Run(const v1::JobSpec& spec);

 private:
  Options options_;
  std::function<std::shared_ptr<grpc::Channel>()> new_channel_;
};

}  // namespace hetsched::bench
