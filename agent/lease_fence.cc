#include "agent/lease_fence.h"

#include <chrono>

namespace hetsched::agent {

bool LeaseFence::Check() {
  const absl::Duration lease = sources_.lease();
  const absl::Duration silent = sources_.silent_for();
  if (lease <= absl::ZeroDuration() || silent <= lease) {
    fenced_ = false;
    return false;
  }
  if (fenced_) return false;
  fenced_ = true;
  sources_.fence(silent, lease);
  return true;
}

void LeaseFence::Start() {
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::seconds(1),
                         [this] { return stop_; })) {
      lock.unlock();
      Check();
      lock.lock();
    }
  });
}

void LeaseFence::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace hetsched::agent
