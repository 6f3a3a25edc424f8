#include "cli/usage_commands.h"

#include "absl/strings/str_cat.h"
#include "cli/format.h"
#include "cli/usage_views.h"
#include "common/status_macros.h"

namespace hetsched::cli {

absl::Status ShowUsage(const CommandContext& ctx, const UsageOptions& opts) {
  const std::optional<int64_t> window = ParseDurationMs(opts.since);
  if (!window) {
    return absl::InvalidArgumentError(
        absl::StrCat("--since: must be a duration such as 90s, 30m, 24h or "
                     "7d, got '",
                     opts.since, "'"));
  }
  v1::GetUsageRequest request;
  request.set_since_ms(std::max<int64_t>(0, ctx.now_ms() - *window));
  request.set_group_by(opts.by);
  v1::GetUsageResponse response;
  RETURN_IF_ERROR(CallUnary(ctx, ctx.jobs,
                            &v1::JobService::StubInterface::GetUsage, request,
                            &response));
  if (ctx.json()) {
    *ctx.out << ToJson(response) << '\n';
  } else {
    PrintUsageTable(response, opts.by, ctx.now_ms(), *ctx.out);
  }
  return absl::OkStatus();
}

}  // namespace hetsched::cli
