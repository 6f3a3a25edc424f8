#include "cli/client.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace hetsched::cli {

std::string ResolveSchedulerAddress(
    const std::string& flag,
    const std::function<std::string(const std::string&)>& getenv) {
  if (!flag.empty()) return flag;
  if (getenv) {
    std::string from_env = getenv(kSchedulerEnv);
    if (!from_env.empty()) return from_env;
  }
  return kDefaultScheduler;
}

std::string SchedulerTitle(const CommandContext& ctx) {
  if (ctx.scheduler_replicas < 2) return ctx.scheduler_address;
  return absl::StrCat(ctx.scheduler_address, " (leader of ",
                      ctx.scheduler_replicas, " replicas)");
}

std::string FindLeader(
    const std::string& addresses,
    const std::shared_ptr<grpc::ChannelCredentials>& credentials,
    absl::Duration timeout) {
  std::vector<std::string> replicas =
      absl::StrSplit(addresses, ',', absl::SkipEmpty());
  if (replicas.size() < 2) return addresses;
  for (size_t i = 0; i < replicas.size(); ++i) {
    auto stub =
        v1::JobService::NewStub(grpc::CreateChannel(replicas[i], credentials));
    grpc::ClientContext rpc;
    rpc.set_deadline(std::chrono::system_clock::now() +
                     absl::ToChronoMilliseconds(timeout));
    v1::ListQueuesRequest request;
    v1::ListQueuesResponse response;
    const grpc::Status status = stub->ListQueues(&rpc, request, &response);
    // Only a follower (or a replica down) answers UNAVAILABLE.
    if (status.error_code() != grpc::StatusCode::UNAVAILABLE) {
      return replicas[i];
    }
    const auto& trailers = rpc.GetServerTrailingMetadata();
    if (auto it = trailers.find("hetsched-leader"); it != trailers.end()) {
      const std::string leader(it->second.data(), it->second.size());
      // Ask the named leader next, unless it was asked already.
      auto named = std::find(replicas.begin() + i + 1, replicas.end(), leader);
      if (named != replicas.end())
        std::iter_swap(replicas.begin() + i + 1, named);
    }
  }
  return replicas.front();
}

SchedulerConnection Connect(
    const std::string& address,
    const std::shared_ptr<grpc::ChannelCredentials>& credentials) {
  SchedulerConnection c;
  grpc::ChannelArguments args;
  // submit --wait and watch outlive a scheduler restart; gRPC's own
  // reconnect backoff (up to 120 s) must not keep them waiting long after
  // it is back.
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 5000);
  c.channel = grpc::CreateCustomChannel(address, credentials, args);
  c.jobs = v1::JobService::NewStub(c.channel);
  c.nodes = v1::NodeService::NewStub(c.channel);
  return c;
}

void SetDeadline(grpc::ClientContext& rpc, const CommandContext& ctx) {
  rpc.set_deadline(std::chrono::system_clock::now() +
                   std::chrono::seconds(ctx.timeout_s));
}

absl::Status FromRpcStatus(const grpc::Status& status,
                           const std::string& address, bool scheduler_reached) {
  if (status.ok()) return absl::OkStatus();
  // gRPC and Abseil share the numeric codes.
  const auto code = static_cast<absl::StatusCode>(status.error_code());
  const std::string detail = status.error_message().empty()
                                 ? absl::StatusCodeToString(code)
                                 : std::string(status.error_message());
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      if (scheduler_reached) return absl::Status(code, detail);
      return absl::Status(code, absl::StrCat("cannot reach scheduler at ",
                                             address, ": ", detail));
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return absl::Status(
          code,
          absl::StrCat("scheduler at ", address,
                       " did not answer in time (--timeout-s): ", detail));
    default:
      return absl::Status(code, detail);
  }
}

absl::Status RpcError(const CommandContext& ctx, const grpc::Status& status) {
  const bool reached =
      ctx.channel != nullptr &&
      ctx.channel->GetState(/*try_to_connect=*/false) == GRPC_CHANNEL_READY;
  return FromRpcStatus(status, ctx.scheduler_address, reached);
}

namespace {
constexpr char kExitCodePayload[] = "hetsched.dev/cli-exit-code";
}  // namespace

absl::Status WithExitCode(absl::Status status, int exit_code) {
  status.SetPayload(kExitCodePayload, absl::Cord(absl::StrCat(exit_code)));
  return status;
}

int ExitCodeFor(const absl::Status& status) {
  if (auto payload = status.GetPayload(kExitCodePayload)) {
    int code = 0;
    if (absl::SimpleAtoi(std::string(*payload), &code)) return code;
  }
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return kExitOk;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
      return kExitBadInput;
    default:
      return kExitError;
  }
}

int ReportStatus(const absl::Status& status, std::ostream& err) {
  if (!status.ok()) err << "hetsched: " << status.message() << '\n';
  return ExitCodeFor(status);
}

}  // namespace hetsched::cli
