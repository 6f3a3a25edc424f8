#include "agent/calibration_loop.h"

#include "absl/strings/str_cat.h"
#include "agent/agent_log.h"

namespace hetsched::agent {

CalibrationLoop::CalibrationLoop(Options options,
                                 std::unique_ptr<CalibrationRunner> runner,
                                 Sink sink)
    : options_(options), runner_(std::move(runner)), sink_(std::move(sink)) {}

CalibrationLoop::~CalibrationLoop() { Stop(); }

void CalibrationLoop::Start() {
  if (options_.on_start) Request("agent start", 0);
  thread_ = std::thread([this] { Loop(); });
}

void CalibrationLoop::Request(const std::string& reason, uint32_t budget_s) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (running_) {
      AgentLog(absl::StrCat("calibration requested (", reason,
                            ") while one runs: that run answers it"));
      return;
    }
    pending_ = true;
    pending_reason_ = reason;
    pending_budget_s_ = budget_s;
  }
  cv_.notify_all();
}

void CalibrationLoop::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cancel_ = true;
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int64_t CalibrationLoop::runs() const {
  std::lock_guard<std::mutex> lock(mu_);
  return runs_;
}

void CalibrationLoop::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  auto next_scheduled = std::chrono::steady_clock::time_point::max();
  auto schedule = [&] {
    if (options_.every > absl::ZeroDuration()) {
      next_scheduled = std::chrono::steady_clock::now() +
                       absl::ToChronoNanoseconds(options_.every);
    }
  };
  schedule();
  while (!stop_) {
    if (!pending_) {
      if (next_scheduled == std::chrono::steady_clock::time_point::max()) {
        cv_.wait(lock, [&] { return stop_ || pending_; });
      } else if (cv_.wait_until(lock, next_scheduled,
                                [&] { return stop_ || pending_; })) {
      } else {
        pending_ = true;
        pending_reason_ = "schedule";
        pending_budget_s_ = 0;
      }
      continue;
    }
    const uint32_t budget =
        pending_budget_s_ > 0 ? pending_budget_s_ : options_.default_budget_s;
    const std::string reason = pending_reason_;
    pending_ = false;
    running_ = true;
    lock.unlock();
    AgentLog(absl::StrCat("calibrating (", reason, "), budget ", budget, "s"));
    v1::CalibrationReport report;
    report.set_document_json(runner_->Run(budget, &cancel_));
    report.set_measured_at_ms(ToUnixMillis(options_.clock->Now()));
    if (!cancel_) sink_(report);
    lock.lock();
    running_ = false;
    ++runs_;
    schedule();
  }
}

}  // namespace hetsched::agent
