// Copies a task's stdout and stderr pipes into its log files with a cap on
// each file (--max-log-bytes): once a stream has written its cap, one note
// line ends the file and the rest of that stream is read and dropped, so
// the task never blocks on a full pipe and is never killed for its output.
// A file that cannot be written (the disk is full) is treated the same way:
// its stream is drained and dropped. Runs inside hetsched-task-supervisor,
// which outlives the agent; pure POSIX, so it is tested alone.
// Thread-safety: one call of RelayOutput owns its streams; StopRelay may be
// called from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hetsched::agent {

// The default --max-log-bytes: 1 GiB per stream.
inline constexpr uint64_t kDefaultMaxLogBytes = uint64_t{1} << 30;

struct RelayStream {
  int in = -1;            // the read end of the task's pipe; closed at its end
  int out = -1;           // the log file (not closed here)
  uint64_t written = 0;   // bytes of task output in `out`
  bool capped = false;    // reached the cap: the note is written
  bool broken = false;    // `out` failed (e.g. ENOSPC): output dropped
  bool ends_line = true;  // the last byte written was '\n' (or none yet)
};

// The line that ends a capped file.
std::string TruncationNote(uint64_t max_bytes);

// Copies every stream's `in` to its `out` until each `in` reaches end of
// file, or `stop_fd` (-1: none) becomes readable, after which whatever the
// pipes already hold is copied and the call returns. `max_bytes` 0: no cap.
void RelayOutput(std::vector<RelayStream>& streams, uint64_t max_bytes,
                 int stop_fd);

}  // namespace hetsched::agent
