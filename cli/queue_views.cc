#include "cli/queue_views.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/format.h"
#include "cli/table.h"

namespace hetsched::cli {

void PrintQueuesTable(
    const google::protobuf::RepeatedPtrField<v1::Queue>& queues,
    std::ostream& out) {
  Table table({"QUEUE", "WEIGHT", "COHORT", "PENDING", "DEPS", "RUNNING",
               "OLDEST", "KIND", "QUOTA", "USED", "BORROWED"});
  for (const v1::Queue& q : queues) {
    std::vector<std::string> queue_cells = {
        q.name(),
        absl::StrCat(q.weight()),  // "2", "0.5"
        q.cohort().empty() ? "-" : q.cohort(),
        absl::StrCat(q.pending_jobs()),
        absl::StrCat(q.waiting_for_dependencies()),
        absl::StrCat(q.running_jobs()),
        q.pending_jobs() == 0 ? "-"
                              : FormatDuration(static_cast<int64_t>(
                                    q.oldest_pending_age_s() * 1000))};
    if (q.kinds_size() == 0) {
      queue_cells.insert(queue_cells.end(), {"-", "-", "0", "0"});
      table.AddRow(std::move(queue_cells));
      continue;
    }
    for (int i = 0; i < q.kinds_size(); ++i) {
      const v1::QueueKindUsage& k = q.kinds(i);
      std::vector<std::string> row =
          i == 0 ? queue_cells : std::vector<std::string>(queue_cells.size());
      row.insert(row.end(),
                 {k.kind(), q.has_quota() ? absl::StrCat(k.nominal()) : "-",
                  absl::StrCat(k.used()), absl::StrCat(k.borrowed())});
      table.AddRow(std::move(row));
    }
  }
  table.Print(out);
}

}  // namespace hetsched::cli
