#include "cli/node_commands.h"

#include "absl/time/time.h"
#include "cli/format.h"
#include "cli/node_views.h"
#include "cli/paging.h"
#include "common/status_macros.h"

namespace hetsched::cli {
namespace {

// Drain and undrain answer with the node; a person wants one line saying
// what it is now.
void PrintNodeState(const CommandContext& ctx, const v1::Node& node) {
  if (ctx.json()) {
    *ctx.out << ToJson(node) << '\n';
    return;
  }
  *ctx.out << "node " << node.info().name() << ": "
           << NodeStateName(node.state());
  if (!node.state_reason().empty())
    *ctx.out << " (" << node.state_reason() << ")";
  *ctx.out << '\n';
}

}  // namespace

absl::Status ListNodes(const CommandContext& ctx, const std::string& selector) {
  v1::ListNodesRequest request;
  request.set_label_selector(selector);
  request.set_page_size(kCliNodePageSize);
  v1::ListNodesResponse response;
  RETURN_IF_ERROR(ForEachPage(ctx, ctx.nodes,
                              &v1::NodeService::StubInterface::ListNodes,
                              request, [&](const v1::ListNodesResponse& page) {
                                for (const auto& node : page.nodes()) {
                                  *response.add_nodes() = node;
                                }
                                return true;
                              }));
  if (ctx.json()) {
    *ctx.out << ToJson(response) << '\n';
  } else {
    PrintNodesTable(response.nodes(), ctx.now_ms(), *ctx.out);
    if (ctx.scheduler_replicas > 1) {
      *ctx.out << "scheduler: " << SchedulerTitle(ctx) << '\n';
    }
  }
  return absl::OkStatus();
}

absl::Status DescribeNode(const CommandContext& ctx, const std::string& name) {
  v1::GetNodeRequest request;
  request.set_name(name);
  v1::Node node;
  RETURN_IF_ERROR(CallUnary(ctx, ctx.nodes,
                            &v1::NodeService::StubInterface::GetNode, request,
                            &node));
  if (ctx.json()) {
    *ctx.out << ToJson(node) << '\n';
  } else {
    PrintNodeDescription(node, ctx.now_ms(), *ctx.out);
  }
  return absl::OkStatus();
}

absl::Status DrainNode(const CommandContext& ctx, const std::string& name,
                       const std::string& reason) {
  v1::DrainNodeRequest request;
  request.set_name(name);
  request.set_reason(reason);
  v1::Node node;
  RETURN_IF_ERROR(CallUnary(ctx, ctx.nodes,
                            &v1::NodeService::StubInterface::DrainNode, request,
                            &node));
  PrintNodeState(ctx, node);
  return absl::OkStatus();
}

absl::Status UndrainNode(const CommandContext& ctx, const std::string& name) {
  v1::UndrainNodeRequest request;
  request.set_name(name);
  v1::Node node;
  RETURN_IF_ERROR(CallUnary(ctx, ctx.nodes,
                            &v1::NodeService::StubInterface::UndrainNode,
                            request, &node));
  PrintNodeState(ctx, node);
  return absl::OkStatus();
}

absl::Status DeleteNode(const CommandContext& ctx, const std::string& name) {
  v1::DeleteNodeRequest request;
  request.set_name(name);
  v1::DeleteNodeResponse response;
  RETURN_IF_ERROR(CallUnary(ctx, ctx.nodes,
                            &v1::NodeService::StubInterface::DeleteNode,
                            request, &response));
  if (ctx.json()) {
    *ctx.out << "{\"deleted\": \"" << name << "\"}\n";
  } else {
    *ctx.out << "node " << name << ": deleted\n";
  }
  return absl::OkStatus();
}

}  // namespace hetsched::cli
