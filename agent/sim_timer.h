// One thread that runs callbacks at given times: the clockwork of every
// simulated host in a process (task ends, max_runtime_s ticks), so a
// simulated fleet costs one thread for all its tasks, not one per task or
// per host. Wall-clock time: it paces simulated tasks against a real
// scheduler.
// Thread-safe. Callbacks run on the timer's thread without its lock held,
// one at a time; they may call At and Cancel.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

#include "absl/time/time.h"

namespace hetsched::agent {

class SimTimer {
 public:
  using Id = uint64_t;  // never 0

  SimTimer();
  ~SimTimer();  // Stop()
  SimTimer(const SimTimer&) = delete;
  SimTimer& operator=(const SimTimer&) = delete;

  // Runs `fn` once at `when` (at once if it has passed).
  Id At(absl::Time when, std::function<void()> fn);
  // Runs `fn` once, `delay` from now.
  Id After(absl::Duration delay, std::function<void()> fn);

  // Drops the callback if it is still pending (true); never waits, so it
  // may be called under a lock the callback takes.
  bool Cancel(Id id);

  // Cancel, and if the callback is running now, waits for it to return
  // (unless called from that very callback): afterwards it never runs.
  // Must not be called under a lock the callback takes.
  bool CancelAndWait(Id id);

  // Drops what is pending and joins the thread. Idempotent.
  void Stop();

  size_t pending() const;

 private:
  void Loop();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::pair<absl::Time, Id>, std::function<void()>> queue_;
  std::map<Id, absl::Time> when_;  // pending ids, for Cancel
  Id next_id_ = 1;
  Id running_ = 0;  // the callback running now, 0 when none
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace hetsched::agent
