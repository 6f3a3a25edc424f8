// Self-fencing: an agent that has not heard from the scheduler for longer
// than the node lease stops its tasks itself. By then the scheduler has
// declared the node LOST and may be running the same gang elsewhere; an
// old rank 0 left running beside the new one would corrupt the job.
// Fences once per silence: hearing from the scheduler again re-arms it.
// Check() is thread-compatible; Start() runs it every second on a thread
// of its own until Stop() (or destruction).
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "absl/time/time.h"

namespace hetsched::agent {

class LeaseFence {
 public:
  struct Sources {
    std::function<absl::Duration()> lease;  // zero: none given, never fence
    std::function<absl::Duration()> silent_for;  // since last heard
    // Stops every task; called with how long the scheduler has been silent.
    std::function<void(absl::Duration silent, absl::Duration lease)> fence;
  };
  explicit LeaseFence(Sources sources) : sources_(std::move(sources)) {}
  ~LeaseFence() { Stop(); }

  // True when it fenced now.
  bool Check();
  void Start();
  void Stop();

 private:
  Sources sources_;
  bool fenced_ = false;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace hetsched::agent
