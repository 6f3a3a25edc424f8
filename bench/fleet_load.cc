#include "bench/fleet_load.h"

#include <mutex>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "absl/time/clock.h"

namespace hetsched::bench {

FleetLoad::FleetLoad(
    Options options,
    std::function<std::shared_ptr<grpc::Channel>()> new_channel)
    : options_(options), new_channel_(std::move(new_channel)) {}

LoadResult FleetLoad::Run(const v1::JobSpec& spec) {
  LoadResult result;
  std::mutex mu;
  std::vector<std::unique_ptr<v1::JobService::Stub>> stubs;
  for (int i = 0; i < options_.submitters; ++i) {
    stubs.push_back(v1::JobService::NewStub(new_channel_()));
  }
  // Each submitter's own pace: the total rate shared evenly.
  const absl::Duration gap =
      options_.rate > 0 ? absl::Seconds(options_.submitters / options_.rate)
                        : absl::ZeroDuration();
  result.start = absl::Now();
  const absl::Time end = result.start + options_.duration;
  std::vector<std::thread> threads;
  for (int i = 0; i < options_.submitters; ++i) {
    threads.emplace_back([&, i] {
      std::vector<Submission> mine;
      int64_t errors = 0;
      std::string first_error;
      v1::SubmitJobRequest request;
      *request.mutable_spec() = spec;
      absl::Time next = absl::Now() + gap * i / options_.submitters;
      while (true) {
        if (gap > absl::ZeroDuration()) {
          const absl::Duration wait = next - absl::Now();
          if (wait > absl::ZeroDuration()) absl::SleepFor(wait);
          next += gap;
        }
        const absl::Time sent = absl::Now();
        if (sent >= end) break;
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(30));
        v1::SubmitJobResponse response;
        grpc::Status s = stubs[i]->SubmitJob(&ctx, request, &response);
        if (s.ok()) {
          mine.push_back({response.job_id(), absl::Now() - sent});
        } else {
          if (errors++ == 0) first_error = s.error_message();
        }
      }
      std::lock_guard<std::mutex> lock(mu);
      result.accepted.insert(result.accepted.end(), mine.begin(), mine.end());
      result.errors += errors;
      if (result.first_error.empty()) result.first_error = first_error;
    });
  }
  for (auto& t : threads) t.join();
  result.end = absl::Now();
  return result;
}

}  // namespace hetsched::bench
