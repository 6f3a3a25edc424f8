#include "agent/disk_guard.h"

#include <sys/statvfs.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace hetsched::agent {
namespace {

std::string Mib(uint64_t bytes) { return absl::StrCat(bytes >> 20, " MiB"); }

}  // namespace

absl::StatusOr<DiskSpace> StatvfsSpace(const std::string& path) {
  struct statvfs st = {};
  if (statvfs(path.c_str(), &st) != 0) {
    return absl::UnavailableError(
        absl::StrCat("statvfs ", path, ": ", std::strerror(errno)));
  }
  DiskSpace space;
  space.available_bytes = static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
  space.total_bytes = static_cast<uint64_t>(st.f_blocks) * st.f_frsize;
  return space;
}

std::string DiskPressureReason(const DiskSpace& space, const std::string& path,
                               uint64_t min_free_bytes,
                               double min_free_percent) {
  const double percent = space.total_bytes == 0
                             ? 0.0
                             : 100.0 *
                                   static_cast<double>(space.available_bytes) /
                                   static_cast<double>(space.total_bytes);
  const bool below_bytes = space.available_bytes < min_free_bytes;
  const bool below_percent = min_free_percent > 0 && percent < min_free_percent;
  if (!below_bytes && !below_percent) return "";
  char figure[32];
  std::snprintf(figure, sizeof(figure), "%.1f%%", percent);
  std::string floor;
  if (below_bytes)
    floor = absl::StrCat("--min-free-disk-bytes ", min_free_bytes);
  if (below_percent) {
    char p[32];
    std::snprintf(p, sizeof(p), "%g", min_free_percent);
    absl::StrAppend(&floor, floor.empty() ? "" : ", ",
                    "--min-free-disk-percent ", p);
  }
  return absl::StrCat("disk nearly full: ", Mib(space.available_bytes), " (",
                      figure, ") free on ", path, ", below ", floor);
}

DiskGuard::DiskGuard(Options options) : options_(std::move(options)) {
  if (!options_.source) options_.source = StatvfsSpace;
}

std::string DiskGuard::Check() {
  // One check at a time, so on_change sees the changes in their order.
  std::lock_guard<std::mutex> serial(check_mu_);
  absl::StatusOr<DiskSpace> space = options_.source(options_.path);
  std::string reason =
      space.ok()
          ? DiskPressureReason(*space, options_.path, options_.min_free_bytes,
                               options_.min_free_percent)
          : absl::StrCat("cannot measure free disk space: ",
                         space.status().message());
  bool changed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    changed = reason != reason_;
    reason_ = reason;
  }
  if (changed && options_.on_change) options_.on_change(reason);
  return reason;
}

std::string DiskGuard::reason() const {
  std::lock_guard<std::mutex> lock(mu_);
  return reason_;
}

void DiskGuard::Start(absl::Duration period) {
  thread_ = std::thread([this, period] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, absl::ToChronoNanoseconds(period),
                         [this] { return stop_; })) {
      lock.unlock();
      Check();
      lock.lock();
    }
  });
}

void DiskGuard::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace hetsched::agent
