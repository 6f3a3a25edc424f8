// Runs a function now and then every `interval` on a thread of its own,
// until Stop() or destruction (which wait for a run in progress). What
// the agent's pollers and the watchdog pinger share. Thread-safe.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>

#include "absl/time/time.h"

namespace hetsched {

class PeriodicThread {
 public:
  PeriodicThread() = default;
  ~PeriodicThread() { Stop(); }
  PeriodicThread(const PeriodicThread&) = delete;
  PeriodicThread& operator=(const PeriodicThread&) = delete;

  // At most once per object.
  void Start(absl::Duration interval, std::function<void()> run) {
    thread_ = std::thread([this, interval, run = std::move(run)] {
      std::unique_lock<std::mutex> lock(mu_);
      while (!stopping_) {
        lock.unlock();
        run();
        lock.lock();
        cv_.wait_for(lock, absl::ToChronoMilliseconds(interval),
                     [this] { return stopping_; });
      }
    });
  }

  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace hetsched
