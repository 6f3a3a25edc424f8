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
  thread_.Start(interval_, [this] {
    if (alive_()) (void)sd_notify(0, "WATCHDOG=1");
  });
}

}  // namespace hetsched
