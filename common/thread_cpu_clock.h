// CPU seconds the calling thread has used: what a solve or a pass costs,
// whatever else the machine runs.
#pragma once

#include <ctime>

namespace hetsched {

inline double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) +
         static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace hetsched
