#include "common/service_notify.h"

#include <systemd/sd-daemon.h>

#include "absl/strings/str_cat.h"

namespace hetsched {

void NotifyReady(const std::string& status) {
  (void)sd_notify(0, absl::StrCat("READY=1\nSTATUS=", status).c_str());
}

void NotifyStopping(const std::string& status) {
  (void)sd_notify(0, absl::StrCat("STOPPING=1\nSTATUS=", status).c_str());
}

void WatchdogPinger::Start() {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return;
  interval_ = absl::Microseconds(static_cast<int64_t>(usec)) / 2;
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
      if (alive_()) (void)sd_notify(0, "WATCHDOG=1");
      cv_.wait_for(lock, absl::ToChronoMilliseconds(interval_),
                   [this] { return stopping_; });
    }
  });
}

WatchdogPinger::~WatchdogPinger() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace hetsched
