#include "agent/progress_reporter.h"

#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "agent/task_dirs.h"

namespace hetsched::agent {

std::optional<uint64_t> ParseProgress(const std::string& text) {
  std::optional<uint64_t> count;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (absl::ConsumePrefix(&line, "steps")) {
      line = absl::StripLeadingAsciiWhitespace(line);
    }
    uint64_t n = 0;
    if (!line.empty() && absl::SimpleAtoi(line, &n)) count = n;
  }
  return count;
}

ProgressReporter::ProgressReporter(std::string work_dir, RunningTasks running,
                                   Sink sink, const Clock* clock)
    : work_dir_(std::move(work_dir)),
      running_(std::move(running)),
      sink_(std::move(sink)),
      clock_(clock) {}

void ProgressReporter::Poll() {
  std::set<std::string> alive;
  for (const v1::TaskStatus& task : running_()) {
    if (task.state() != v1::TASK_STATE_RUNNING) continue;
    alive.insert(task.task_id());
    std::ifstream in(TaskDir(work_dir_, task.task_id()) + "/" +
                     kProgressFileName);
    if (!in) continue;
    std::stringstream text;
    text << in.rdbuf();
    std::optional<uint64_t> steps = ParseProgress(text.str());
    if (!steps) continue;
    auto last = last_.find(task.task_id());
    if (last != last_.end() && last->second == *steps) continue;
    last_[task.task_id()] = *steps;
    v1::TaskProgress progress;
    progress.set_task_id(task.task_id());
    progress.set_job_id(task.job_id());
    progress.set_steps(*steps);
    progress.set_time_ms(absl::ToUnixMillis(clock_->Now()));
    sink_(progress);
  }
  // Forget tasks that ended so the map stays bounded.
  for (auto it = last_.begin(); it != last_.end();) {
    it = alive.count(it->first) ? std::next(it) : last_.erase(it);
  }
}

void ProgressReporter::Start(absl::Duration interval) {
  thread_.Start(interval, [this] { Poll(); });
}

}  // namespace hetsched::agent
