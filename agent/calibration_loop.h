// When the agent calibrates: once at start (optional), every N seconds
// (optional), and whenever the scheduler asks (RunCalibration). Runs the
// CalibrationRunner on its own thread, one calibration at a time; a request
// that arrives while one runs is answered by that run (coalesced), and
// requests made before the first run is over fold into it. Each document
// goes to the sink as a CalibrationReport. Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/time/time.h"
#include "agent/calibration_runner.h"
#include "common/clock.h"
#include "hetsched/v1/agent.pb.h"

namespace hetsched::agent {

class CalibrationLoop {
 public:
  struct Options {
    bool on_start = true;
    absl::Duration every = absl::ZeroDuration();  // zero: never
    uint32_t default_budget_s = 100;
    Clock* clock = Clock::Real();  // for measured_at_ms only
  };
  using Sink = std::function<void(const v1::CalibrationReport&)>;

  CalibrationLoop(Options options, std::unique_ptr<CalibrationRunner> runner,
                  Sink sink);
  ~CalibrationLoop();  // Stop()

  void Start();
  // Calibrate now with `budget_s` (0: the default). Never blocks on a run.
  void Request(const std::string& reason, uint32_t budget_s);
  // Kills a calibration in progress (its result is dropped) and joins.
  void Stop();

  int64_t runs() const;

 private:
  void Loop();

  Options options_;
  std::unique_ptr<CalibrationRunner> runner_;
  Sink sink_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::atomic<bool> cancel_{false};
  bool pending_ = false;
  bool running_ = false;
  uint32_t pending_budget_s_ = 0;
  std::string pending_reason_;
  int64_t runs_ = 0;
  std::thread thread_;
};

}  // namespace hetsched::agent
