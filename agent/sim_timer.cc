#include "agent/sim_timer.h"

#include "absl/time/clock.h"

namespace hetsched::agent {

SimTimer::SimTimer() : thread_([this] { Loop(); }) {}

SimTimer::~SimTimer() { Stop(); }

SimTimer::Id SimTimer::At(absl::Time when, std::function<void()> fn) {
  Id id;
  bool first;
  {
    std::lock_guard<std::mutex> lock(mu_);
    id = next_id_++;
    queue_.emplace(std::make_pair(when, id), std::move(fn));
    when_.emplace(id, when);
    first = queue_.begin()->first.second == id;
  }
  if (first) cv_.notify_all();  // an earlier deadline than the one awaited
  return id;
}

SimTimer::Id SimTimer::After(absl::Duration delay, std::function<void()> fn) {
  return At(absl::Now() + delay, std::move(fn));
}

bool SimTimer::Cancel(Id id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = when_.find(id);
  if (it == when_.end()) return false;
  queue_.erase({it->second, id});
  when_.erase(it);
  return true;
}

bool SimTimer::CancelAndWait(Id id) {
  if (Cancel(id)) return true;
  std::unique_lock<std::mutex> lock(mu_);
  if (running_ == id && std::this_thread::get_id() != thread_.get_id()) {
    cv_.wait(lock, [&] { return running_ != id; });
  }
  return false;
}

void SimTimer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    queue_.clear();
    when_.clear();
  }
  cv_.notify_all();
  if (thread_.joinable() && std::this_thread::get_id() != thread_.get_id()) {
    thread_.join();
  }
}

size_t SimTimer::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

void SimTimer::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    if (queue_.empty()) {
      cv_.wait(lock);
      continue;
    }
    const absl::Time when = queue_.begin()->first.first;
    const absl::Duration left = when - absl::Now();
    if (left > absl::ZeroDuration()) {
      cv_.wait_for(lock, absl::ToChronoNanoseconds(left));
      continue;  // woken early by an earlier At, a Cancel or Stop
    }
    auto node = queue_.extract(queue_.begin());
    const Id id = node.key().second;
    when_.erase(id);
    running_ = id;
    lock.unlock();
    node.mapped()();
    lock.lock();
    running_ = 0;
    cv_.notify_all();  // a Cancel may wait for this callback
  }
}

}  // namespace hetsched::agent
