// Queues as Kueue models them: a weight for fair sharing, an optional
// nominal quota per accelerator kind, and a cohort whose members lend each
// other the quota they do not use. The book records what each queue uses
// and answers admission questions; it decides nothing by itself.
// Not thread-safe; owned by the Scheduler.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace hetsched::core {

struct QueueConfig {
  std::string name;
  double weight = 1;   // share of the cluster relative to other queues
  std::string cohort;  // queues of one cohort lend idle quota; empty = none
  // Accelerators per kind this queue is guaranteed. Empty = no quota at all
  // (anything the cluster has); a kind missing from a non-empty map = 0.
  std::map<std::string, int> nominal_quota;
  // Kueue's limits within a cohort, per kind. borrowing_limit: the most
  // this queue may use beyond its nominal quota (absent: up to what the
  // cohort lends). lending_limit: the most of its nominal quota others may
  // borrow while it is unused (absent: all of it); the rest stays its own.
  std::map<std::string, int> borrowing_limit;
  std::map<std::string, int> lending_limit;
};

class QueueBook {
 public:
  enum class Admit { kNo, kNominal, kBorrow };

  // Replaces the configuration. INVALID_ARGUMENT names the bad queue.
  absl::Status Configure(const std::vector<QueueConfig>& queues);
  // The configuration of `queue`; unknown queues: weight 1, no quota.
  const QueueConfig& Config(const std::string& queue) const;
  bool HasQuota(const std::string& queue) const {
    return !Config(queue).nominal_quota.empty();
  }

  // May `queue` take `n` more accelerators of `kind`? kNominal within its
  // own quota, kBorrow within what its cohort lends and its own borrowing
  // limit (only when `may_borrow`), else kNo.
  Admit Check(const std::string& queue, const std::string& kind, int n,
              bool may_borrow) const;
  // Whether `queue` uses more of `kind` than its nominal quota.
  bool Borrowing(const std::string& queue, const std::string& kind) const;

  void Add(const std::string& queue, const std::string& kind, int n);
  int Usage(const std::string& queue, const std::string& kind) const;

  // Dominant resource share of `queue` divided by its weight: the largest
  // fraction of any kind's capacity it holds. Lower goes first (DRF).
  double WeightedShare(const std::string& queue,
                       const std::map<std::string, int>& capacity) const;

 private:
  int Nominal(const std::string& queue, const std::string& kind) const;
  // The part of `queue`'s nominal quota of `kind` it never lends.
  int Guaranteed(const std::string& queue, const std::string& kind) const;

  std::map<std::string, QueueConfig> configs_;
  std::map<std::string, std::vector<std::string>> cohorts_;
  std::map<std::string, std::map<std::string, int>> usage_;
  QueueConfig default_;
};

}  // namespace hetsched::core
