#include "cli/interconnect_commands.h"

#include <memory>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "cli/format.h"
#include "cli/table.h"

namespace hetsched::cli {
namespace {

std::string Gbps(double v) { return absl::StrFormat("%.3f", v); }

void PrintSweep(const v1::CollectiveResult& result, std::ostream& out) {
  Table table({"SIZE", "TIME(us)", "ALGBW(GB/s)", "BUSBW(GB/s)", "OK"});
  for (const auto& s : result.samples()) {
    table.AddRow({absl::StrCat(s.bytes()), absl::StrFormat("%.1f", s.time_us()),
                  Gbps(s.algbw_gbps()), Gbps(s.busbw_gbps()),
                  s.verified() ? "yes" : "NO"});
  }
  table.Print(out);
}

}  // namespace

void PrintInterconnectResult(const v1::ValidateInterconnectResponse& response,
                             std::ostream& out) {
  const v1::CollectiveResult& result = response.result();
  out << "all-reduce over " << result.ranks() << " ranks ("
      << absl::StrJoin(response.nodes(), ", ") << "), mode " << response.mode()
      << "\n";
  PrintSweep(result, out);
  out << "avg bus bandwidth: " << Gbps(result.avg_busbw_gbps())
      << " GB/s (sizes >= " << result.avg_min_bytes() << " B)\n";
  out << "verified: " << (result.verified() ? "yes" : "NO") << "\n";
  if (response.pairs_size() > 0) {
    out << "\n";
    Table pairs({"NODE A", "NODE B", "AVG BUSBW(GB/s)", "OK"});
    for (const auto& p : response.pairs()) {
      pairs.AddRow({p.node_a(), p.node_b(), Gbps(p.result().avg_busbw_gbps()),
                    p.result().verified() ? "yes" : "NO"});
    }
    pairs.Print(out);
  }
}

absl::Status ValidateInterconnect(const CommandContext& ctx,
                                  const InterconnectOptions& options) {
  std::set<std::string> seen;
  for (const std::string& n : options.nodes) {
    if (n.empty()) return absl::InvalidArgumentError("--nodes: empty name");
    if (!seen.insert(n).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("--nodes: ", n, " is named twice"));
    }
  }
  if (options.nodes.size() < 2) {
    return absl::InvalidArgumentError("--nodes: name at least two nodes");
  }
  if (options.min_bytes > 0 && options.max_bytes > 0 &&
      options.min_bytes > options.max_bytes) {
    return absl::InvalidArgumentError(
        "--min-bytes: must not exceed --max-bytes");
  }
  v1::ValidateInterconnectRequest request;
  for (const auto& n : options.nodes) request.add_nodes(n);
  request.set_mode(options.mode);
  request.set_min_bytes(options.min_bytes);
  request.set_max_bytes(options.max_bytes);
  request.set_iterations(options.iterations);
  request.set_timeout_s(options.timeout_s);
  request.set_pairs(options.pairs);
  // The scheduler runs the whole group, then each pair, each with up to
  // timeout_s: the deadline covers them all, plus a margin for the RPC.
  const size_t n = options.nodes.size();
  const size_t runs = 1 + (options.pairs && n > 2 ? n * (n - 1) / 2 : 0);
  grpc::ClientContext rpc;
  rpc.set_deadline(std::chrono::system_clock::now() +
                   std::chrono::seconds(options.timeout_s * runs +
                                        std::max(ctx.timeout_s, 10)));
  v1::ValidateInterconnectResponse response;
  grpc::Status s = ctx.nodes->ValidateInterconnect(&rpc, request, &response);
  if (!s.ok()) return RpcError(ctx, s);
  if (ctx.json()) {
    *ctx.out << ToJson(response) << '\n';
  } else {
    PrintInterconnectResult(response, *ctx.out);
  }
  if (!response.result().verified()) {
    return absl::DataLossError("the all-reduce produced wrong sums");
  }
  return absl::OkStatus();
}

void AddInterconnectCommand(CLI::App& app, CommandAction& action) {
  auto* cmd = app.add_subcommand(
      "validate-interconnect",
      "All-reduce between nodes' agents (TCP ring or NCCL); bandwidth per "
      "size");
  auto o = std::make_shared<InterconnectOptions>();
  cmd->add_option("--nodes", o->nodes, "Nodes in rank order: A,B[,...]")
      ->delimiter(',')
      ->required();
  cmd->add_option("--mode", o->mode, "tcp (agents, host memory) or nccl")
      ->check(CLI::IsMember({"tcp", "nccl"}))
      ->capture_default_str();
  cmd->add_option("--min-bytes", o->min_bytes, "Smallest size (default 8)");
  cmd->add_option("--max-bytes", o->max_bytes,
                  "Largest size (default 64 MiB tcp, 1 GiB nccl)")
      ->check(CLI::Range(uint64_t{1}, uint64_t{4} << 30));
  cmd->add_option("--iterations", o->iterations,
                  "Timed repeats per size (default 5)")
      ->check(CLI::Range(1, 1000));
  cmd->add_flag("--pairs", o->pairs, "Also test every pair of nodes");
  cmd->add_option("--timeout-s", o->timeout_s,
                  "Time limit of the test (each run with --pairs)")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  cmd->callback([&action, o] {
    action = [o](auto& c) { return ValidateInterconnect(c, *o); };
  });
}

}  // namespace hetsched::cli
