#include "cli/queue_commands.h"

#include "cli/format.h"
#include "cli/queue_views.h"
#include "common/status_macros.h"

namespace hetsched::cli {

absl::Status ListQueues(const CommandContext& ctx) {
  v1::ListQueuesRequest request;
  v1::ListQueuesResponse response;
  RETURN_IF_ERROR(CallUnary(ctx, ctx.jobs,
                            &v1::JobService::StubInterface::ListQueues, request,
                            &response));
  if (ctx.json()) {
    *ctx.out << ToJson(response) << '\n';
  } else {
    PrintQueuesTable(response.queues(), *ctx.out);
  }
  return absl::OkStatus();
}

}  // namespace hetsched::cli
