// systemd's service notification protocol (sd_notify(3)): with
// `Type=notify` units, `systemctl start` returns once the daemon says it
// is READY (listening), `systemctl status` shows its STATUS line, and with
// `WatchdogSec=` systemd restarts a daemon that stops pinging. Without
// systemd (NOTIFY_SOCKET unset) every call does nothing. Thread-safe.
#pragma once

#include <functional>
#include <string>
#include <utility>

#include "absl/time/time.h"
#include "common/periodic_thread.h"

namespace hetsched {

// READY=1 with `status` as the STATUS line.
void NotifyReady(const std::string& status);
void NotifyStopping(const std::string& status);

// Pings the watchdog (WATCHDOG=1) at half the interval systemd asks for
// (WATCHDOG_USEC), from its own thread, while `alive()` holds; does
// nothing when the unit has no WatchdogSec=. A daemon whose loop wedges
// stops answering `alive()` and is restarted.
class WatchdogPinger {
 public:
  template <typename Alive>
  explicit WatchdogPinger(Alive alive) : alive_(std::move(alive)) {
    Start();
  }

  // The ping interval; zero when systemd asked for no watchdog.
  absl::Duration interval() const { return interval_; }

 private:
  void Start();

  std::function<bool()> alive_;
  absl::Duration interval_ = absl::ZeroDuration();
  PeriodicThread thread_;
};

}  // namespace hetsched
