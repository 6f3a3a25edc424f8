// What the core believes a job class achieves on each accelerator kind:
// steps per second of the whole job on N accelerators of a kind, from an
// operator's (or the simulator's) table, corrected by the step rates that
// running jobs report. Classes the table does not know fall back to the
// catalogue's peak bf16 rate, which only ranks kinds, in relative units.
// Not thread-safe; a value type owned by the Scheduler.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>

namespace hetsched::core {

// job_class -> kind -> accelerators N -> steps/s of the whole job.
using ThroughputTable =
    std::map<std::string, std::map<std::string, std::map<int, double>>>;

class ThroughputModel {
 public:
  void SetTable(ThroughputTable table);
  const ThroughputTable& table() const { return table_; }

  // Steps/s of `job_class` on `n` accelerators of `kind` at speed factor 1;
  // nullopt when the table knows the class but not this kind or size (the
  // job cannot run there).
  std::optional<double> Estimate(const std::string& job_class,
                                 const std::string& kind, int n) const;

  // How well the average class of the table does on `kind` relative to its
  // own best kind (mean over classes and sizes of tp(k) / max_k' tp(k')),
  // in (0, 1]; 1 without a table. A job whose own ratio beats this has a
  // comparative advantage on `kind` (Gavel's normalisation).
  double Reference(const std::string& kind) const;

  // Folds an observed rate of a job of `job_class` running on `n`
  // accelerators of `kind` at `speed_factor` into the estimate (EWMA of
  // observed / predicted, so one noisy report moves it by a quarter).
  void Observe(const std::string& job_class, const std::string& kind, int n,
               double speed_factor, double observed_steps_per_second);

 private:
  std::optional<double> Raw(const std::string& job_class,
                            const std::string& kind, int n) const;

  ThroughputTable table_;
  std::map<std::string, double> reference_;
  std::map<std::pair<std::string, std::string>, double> correction_;
};

}  // namespace hetsched::core
