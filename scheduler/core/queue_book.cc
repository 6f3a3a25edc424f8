#include "scheduler/core/queue_book.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace hetsched::core {

absl::Status QueueBook::Configure(const std::vector<QueueConfig>& queues) {
  std::map<std::string, QueueConfig> configs;
  std::map<std::string, std::vector<std::string>> cohorts;
  for (const auto& q : queues) {
    if (q.name.empty()) {
      return absl::InvalidArgumentError("queues: a queue has no name");
    }
    if (!(q.weight > 0)) {
      return absl::InvalidArgumentError(
          absl::StrCat("queue ", q.name, ": weight must be positive"));
    }
    for (const auto& [kind, n] : q.nominal_quota) {
      if (n < 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "queue ", q.name, ": quota of ", kind, " must not be negative"));
      }
    }
    for (const auto* limits : {&q.borrowing_limit, &q.lending_limit}) {
      for (const auto& [kind, n] : *limits) {
        if (n < 0) {
          return absl::InvalidArgumentError(absl::StrCat(
              "queue ", q.name, ": limit of ", kind, " must not be negative"));
        }
      }
    }
    if (!configs.emplace(q.name, q).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("queue ", q.name, ": defined twice"));
    }
    if (!q.cohort.empty()) cohorts[q.cohort].push_back(q.name);
  }
  configs_ = std::move(configs);
  cohorts_ = std::move(cohorts);
  return absl::OkStatus();
}

const QueueConfig& QueueBook::Config(const std::string& queue) const {
  auto it = configs_.find(queue);
  return it == configs_.end() ? default_ : it->second;
}

int QueueBook::Nominal(const std::string& queue,
                       const std::string& kind) const {
  const auto& quota = Config(queue).nominal_quota;
  auto it = quota.find(kind);
  return it == quota.end() ? 0 : it->second;
}

int QueueBook::Guaranteed(const std::string& queue,
                          const std::string& kind) const {
  const auto& lending = Config(queue).lending_limit;
  auto it = lending.find(kind);
  const int nominal = Nominal(queue, kind);
  return it == lending.end() ? 0 : std::max(0, nominal - it->second);
}

int QueueBook::Usage(const std::string& queue, const std::string& kind) const {
  auto q = usage_.find(queue);
  if (q == usage_.end()) return 0;
  auto k = q->second.find(kind);
  return k == q->second.end() ? 0 : k->second;
}

QueueBook::Admit QueueBook::Check(const std::string& queue,
                                  const std::string& kind, int n,
                                  bool may_borrow) const {
  if (!HasQuota(queue)) return Admit::kNominal;
  if (Usage(queue, kind) + n <= Nominal(queue, kind)) return Admit::kNominal;
  const QueueConfig& config = Config(queue);
  if (!may_borrow || config.cohort.empty()) return Admit::kNo;
  const int after = Usage(queue, kind) + n;
  if (auto limit = config.borrowing_limit.find(kind);
      limit != config.borrowing_limit.end() &&
      after - Nominal(queue, kind) > limit->second) {
    return Admit::kNo;
  }
  // Kueue's rule: the cohort shares what its members lend. Each member's
  // guaranteed part (nominal less its lending limit) is its own; use above
  // it, by anyone, draws on the shared pool. Without lending limits this
  // is "the cohort stays within the sum of its quotas".
  long pool = 0, drawn = 0;
  for (const auto& member : cohorts_.at(config.cohort)) {
    const int guaranteed = Guaranteed(member, kind);
    pool += Nominal(member, kind) - guaranteed;
    const int used = member == queue ? after : Usage(member, kind);
    drawn += std::max(0, used - guaranteed);
  }
  return drawn <= pool ? Admit::kBorrow : Admit::kNo;
}

bool QueueBook::Borrowing(const std::string& queue,
                          const std::string& kind) const {
  return HasQuota(queue) && Usage(queue, kind) > Nominal(queue, kind);
}

void QueueBook::Add(const std::string& queue, const std::string& kind, int n) {
  int& u = usage_[queue][kind];
  u = std::max(0, u + n);
}

double QueueBook::WeightedShare(
    const std::string& queue,
    const std::map<std::string, int>& capacity) const {
  auto q = usage_.find(queue);
  if (q == usage_.end()) return 0;
  double share = 0;
  for (const auto& [kind, used] : q->second) {
    auto cap = capacity.find(kind);
    if (cap == capacity.end() || cap->second <= 0) continue;
    share = std::max(share, static_cast<double>(used) / cap->second);
  }
  return share / Config(queue).weight;
}

}  // namespace hetsched::core
