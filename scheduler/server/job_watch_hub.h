// WatchJob on gRPC's callback API: one thread serves every watcher. It
// wakes when the control plane records events (or a watcher goes idle),
// hands each idle watcher what is new for its job, and the watcher's
// stream writes it from gRPC's callbacks; a watcher whose job ended and
// whose events are all written finishes. So `hetsched watch` and
// `submit --wait` cost no thread each.
//
// Thread-safe. The server must be shut down (no watcher open) before the
// hub is destroyed.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "grpcpp/grpcpp.h"
#include "hetsched/v1/scheduler.pb.h"
#include "scheduler/control/control_plane.h"

namespace hetsched::server {

class JobWatchHub {
 public:
  explicit JobWatchHub(control::ControlPlane* control);
  ~JobWatchHub();
  JobWatchHub(const JobWatchHub&) = delete;
  JobWatchHub& operator=(const JobWatchHub&) = delete;

  // A stream of `request`'s job's events; NOT_FOUND for an unknown job.
  // The reactor deletes itself when the RPC is done.
  grpc::ServerWriteReactor<v1::JobEvent>* Watch(
      const v1::WatchJobRequest& request);

  struct WatchState;  // job_watch_hub.cc

 private:
  class Watcher;
  // Wakes the thread to look at every watcher again.
  void Wake();
  void Remove(const std::shared_ptr<WatchState>& state);
  void Run();
  void Feed(const std::shared_ptr<WatchState>& state);

  control::ControlPlane* const control_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::set<std::shared_ptr<WatchState>> watchers_;
  bool dirty_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace hetsched::server
