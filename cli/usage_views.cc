#include "cli/usage_views.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "cli/format.h"
#include "cli/table.h"

namespace hetsched::cli {

void PrintUsageTable(const v1::GetUsageResponse& usage,
                     const std::string& group_by, int64_t now_ms,
                     std::ostream& out) {
  out << "Usage from " << FormatTimestamp(usage.since_ms(), now_ms) << " to "
      << FormatTimestamp(usage.until_ms(), now_ms) << "\n\n";
  Table table({absl::AsciiStrToUpper(group_by), "JOBS", "ACCEL-HOURS", "COST"});
  for (const v1::UsageRow& row : usage.rows()) {
    table.AddRow({row.key().empty() ? "-" : row.key(),
                  absl::StrFormat("%d", row.jobs()),
                  absl::StrFormat("%.2f", row.accelerator_hours()),
                  absl::StrFormat("%.2f", row.cost())});
  }
  table.AddRow({"TOTAL", "",
                absl::StrFormat("%.2f", usage.total_accelerator_hours()),
                absl::StrFormat("%.2f", usage.total_cost())});
  table.Print(out);
}

}  // namespace hetsched::cli
