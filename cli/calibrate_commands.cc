#include "cli/calibrate_commands.h"

#include <memory>

#include "cli/format.h"
#include "common/status_macros.h"

namespace hetsched::cli {

absl::Status CalibrateNode(const CommandContext& ctx, const std::string& name,
                           uint32_t budget_s) {
  v1::CalibrateNodeRequest request;
  request.set_name(name);
  request.set_time_budget_s(budget_s);
  v1::Node node;
  RETURN_IF_ERROR(CallUnary(ctx, ctx.nodes,
                            &v1::NodeService::StubInterface::CalibrateNode,
                            request, &node));
  if (ctx.json()) {
    *ctx.out << ToJson(node) << '\n';
  } else {
    *ctx.out << "calibration of node " << name << " requested";
    if (budget_s > 0) *ctx.out << " (budget " << budget_s << "s)";
    *ctx.out << "; see `hetsched node describe " << name
             << "` for the result\n";
  }
  return absl::OkStatus();
}

void AddCalibrateCommand(CLI::App& app, CommandAction& action) {
  auto* cmd = app.add_subcommand(
      "calibrate", "Ask a node's agent to run hetsched-calibrate now");
  auto name = std::make_shared<std::string>();
  auto budget = std::make_shared<uint32_t>(0);
  cmd->add_option("node", *name, "Node name")->required();
  cmd->add_option("--budget-s", *budget,
                  "Time budget in seconds (default: the agent's)")
      ->check(CLI::Range(1, 86400));
  cmd->callback([&action, name, budget] {
    action = [name, budget](auto& c) {
      return CalibrateNode(c, *name, *budget);
    };
  });
}

}  // namespace hetsched::cli
