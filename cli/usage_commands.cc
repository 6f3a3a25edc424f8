#include "cli/usage_commands.h"

#include "absl/strings/str_cat.h"
#include "cli/format.h"
#include "cli/usage_views.h"
#include "common/status_macros.h"

namespace hetsched::cli {

absl::Status ShowUsage(const CommandContext& ctx, const UsageOptions& opts) {
  ASSIGN_OR_RETURN(const int64_t since_ms,
                   SinceFlagMs(opts.since, ctx.now_ms()));
  v1::GetUsageRequest request;
  request.set_since_ms(since_ms);
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
