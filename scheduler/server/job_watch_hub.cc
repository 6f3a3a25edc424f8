#include "scheduler/server/job_watch_hub.h"

#include <deque>
#include <vector>

#include "scheduler/server/grpc_status.h"

namespace hetsched::server {

// One watcher's state, shared by its reactor (which writes) and the hub
// thread (which fetches). `cursor` and `skip_past` belong to the hub
// thread; the rest is guarded by `mu`.
struct JobWatchHub::WatchState {
  std::string job_id;
  size_t cursor = 0;
  bool skip_past = false;  // start after the events already recorded

  std::mutex mu;
  Watcher* reactor = nullptr;      // null once the RPC is done
  std::deque<v1::JobEvent> queue;  // front: being written
  bool writing = false;
  bool all_fetched = false;  // the job ended and its last event is queued
  bool finished = false;
  grpc::Status finish_status;  // set to end the stream early
  bool finish_early = false;
};

class JobWatchHub::Watcher final
    : public grpc::ServerWriteReactor<v1::JobEvent> {
 public:
  Watcher(JobWatchHub* hub, std::shared_ptr<WatchState> state)
      : hub_(hub), state_(std::move(state)) {}

  void OnWriteDone(bool ok) override {
    bool idle = false;
    {
      std::lock_guard<std::mutex> lock(state_->mu);
      state_->writing = false;
      if (ok) {
        state_->queue.pop_front();
      } else {
        state_->queue.clear();
        state_->finish_early = true;
        state_->finish_status = grpc::Status::CANCELLED;
      }
      WriteNextLocked();
      idle = !state_->writing && !state_->finished;
    }
    if (idle) hub_->Wake();  // events may have come while it wrote
  }

  void OnCancel() override {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->finish_early = true;
    state_->finish_status = grpc::Status::CANCELLED;
    WriteNextLocked();
  }

  void OnDone() override {
    {
      std::lock_guard<std::mutex> lock(state_->mu);
      state_->reactor = nullptr;
    }
    hub_->Remove(state_);
    delete this;
  }

  // Writes the next queued event, or finishes: early when asked, else once
  // the job ended and everything is written. gRPC runs no reaction inline
  // in the thread that starts an operation, so holding `mu` is safe.
  void WriteNextLocked() {
    if (state_->writing || state_->finished) return;
    if (state_->finish_early) {
      state_->finished = true;
      Finish(state_->finish_status);
      return;
    }
    if (!state_->queue.empty()) {
      state_->writing = true;
      StartWrite(&state_->queue.front());
    } else if (state_->all_fetched) {
      state_->finished = true;
      Finish(grpc::Status::OK);
    }
  }

 private:
  JobWatchHub* const hub_;
  const std::shared_ptr<WatchState> state_;
};

JobWatchHub::JobWatchHub(control::ControlPlane* control) : control_(control) {
  control_->SetEventListener([this] { Wake(); });
  thread_ = std::thread([this] { Run(); });
}

JobWatchHub::~JobWatchHub() {
  control_->SetEventListener(nullptr);
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

grpc::ServerWriteReactor<v1::JobEvent>* JobWatchHub::Watch(
    const v1::WatchJobRequest& request) {
  auto state = std::make_shared<WatchState>();
  state->job_id = request.job_id();
  state->skip_past = !request.from_start();
  auto* watcher = new Watcher(this, state);
  state->reactor = watcher;
  {
    std::lock_guard<std::mutex> lock(mu_);
    watchers_.insert(state);
    dirty_ = true;
  }
  cv_.notify_all();
  return watcher;
}

void JobWatchHub::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    dirty_ = true;
  }
  cv_.notify_all();
}

void JobWatchHub::Remove(const std::shared_ptr<WatchState>& state) {
  std::lock_guard<std::mutex> lock(mu_);
  watchers_.erase(state);
}

void JobWatchHub::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    // The timeout is a backstop only: every change wakes the thread.
    cv_.wait_for(lock, std::chrono::seconds(1),
                 [this] { return stopping_ || dirty_; });
    if (stopping_) return;
    dirty_ = false;
    std::vector<std::shared_ptr<WatchState>> all(watchers_.begin(),
                                                 watchers_.end());
    lock.unlock();
    for (const auto& state : all) Feed(state);
    lock.lock();
  }
}

void JobWatchHub::Feed(const std::shared_ptr<WatchState>& state) {
  {
    std::lock_guard<std::mutex> lock(state->mu);
    if (state->reactor == nullptr || state->writing || state->finished ||
        state->all_fetched || !state->queue.empty()) {
      return;  // busy, done or gone: it wakes the hub when idle
    }
  }
  bool done = false;
  std::vector<v1::JobEvent> events;
  absl::Status fetched = absl::OkStatus();
  if (state->skip_past) {
    auto past = control_->WaitForEvents(state->job_id, &state->cursor,
                                        absl::ZeroDuration(), &done);
    fetched = past.status();
    state->skip_past = false;
  }
  if (fetched.ok()) {
    auto fresh = control_->WaitForEvents(state->job_id, &state->cursor,
                                         absl::ZeroDuration(), &done);
    fetched = fresh.status();
    if (fresh.ok()) events = std::move(*fresh);
  }
  std::lock_guard<std::mutex> lock(state->mu);
  if (state->reactor == nullptr) return;
  if (!fetched.ok()) {
    state->finish_early = true;
    state->finish_status = ToGrpcStatus(fetched);
  }
  for (auto& e : events) state->queue.push_back(std::move(e));
  state->all_fetched = done;
  state->reactor->WriteNextLocked();
}

}  // namespace hetsched::server
