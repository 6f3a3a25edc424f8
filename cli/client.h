// The CLI's side of the wire: the scheduler address, the channel and
// stubs, per-call deadlines, and how an RPC status becomes a message and an
// exit code. Commands receive a CommandContext holding stub *interfaces*, so
// tests drive them against an in-process fake scheduler. A CommandContext
// is used by one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/status.h"
#include "hetsched/v1/scheduler.grpc.pb.h"

namespace hetsched::cli {

// Process exit codes; scripts rely on them.
enum ExitCode : int {
  kExitOk = 0,
  kExitError = 1,     // anything else: unreachable scheduler, server fault
  kExitBadInput = 2,  // bad flags, bad spec, INVALID_ARGUMENT, NOT_FOUND
  // submit --wait and watch: the scheduler could not be reached for the
  // whole --reconnect-timeout-s, so how the job ended is unknown
  // (sysexits' EX_UNAVAILABLE). submit --wait otherwise exits with the
  // job's own exit code.
  kExitUnreachable = 69,
};

// `status` (not OK) with the exit code the CLI must end with, overriding
// ExitCodeFor's choice by code.
absl::Status WithExitCode(absl::Status status, int exit_code);

inline constexpr char kDefaultScheduler[] = "127.0.0.1:7070";
inline constexpr char kSchedulerEnv[] = "HETSCHED_SCHEDULER";

enum class OutputFormat { kTable, kJson };

// The channel and stubs of one scheduler; created lazily by gRPC, so this
// does not fail even when nothing listens at `address`.
struct SchedulerConnection {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::JobService::StubInterface> jobs;
  std::unique_ptr<v1::NodeService::StubInterface> nodes;
};
// What every command needs besides its own arguments.
struct CommandContext {
  v1::JobService::StubInterface* jobs = nullptr;
  v1::NodeService::StubInterface* nodes = nullptr;
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;  // per-item failures of bulk commands
  OutputFormat format = OutputFormat::kTable;
  int timeout_s = 10;             // per unary RPC; not for follow/watch
  std::string scheduler_address;  // for messages only
  int scheduler_replicas = 1;     // addresses given (HA replicas)
  // Tells a refused connection from an UNAVAILABLE the scheduler itself
  // answered (e.g. an agent it relays logs from is down); may be null.
  std::shared_ptr<grpc::ChannelInterface> channel;
  const Clock* clock = Clock::Real();
  // Reads the environment (tests hand in a map); nullopt-like "" when unset.
  std::function<std::string(const std::string&)> getenv;
  // With several scheduler replicas: a new connection to whichever leads
  // now, for commands that outlive a failover (watch, submit --wait).
  // Null with one address.
  std::function<SchedulerConnection()> reconnect_to_leader;

  bool json() const { return format == OutputFormat::kJson; }
  int64_t now_ms() const { return absl::ToUnixMillis(clock->Now()); }
};

// "ADDR", or "ADDR (leader of N replicas)" when several were given: the
// title of top and the last line of the nodes table.
std::string SchedulerTitle(const CommandContext& ctx);

// The --scheduler flag if given, else $HETSCHED_SCHEDULER, else the default.
std::string ResolveSchedulerAddress(
    const std::string& flag,
    const std::function<std::string(const std::string&)>& getenv);

// With several scheduler replicas ("HOST:PORT,HOST:PORT,..."), the one
// that leads: each is asked in turn, and a follower's refusal names the
// leader. A single address comes back as it is; when no replica answers as
// leader, the first one (so errors name a real address).
std::string FindLeader(
    const std::string& addresses,
    const std::shared_ptr<grpc::ChannelCredentials>& credentials,
    absl::Duration timeout);

SchedulerConnection Connect(
    const std::string& address,
    const std::shared_ptr<grpc::ChannelCredentials>& credentials);

// Sets the deadline of a unary call from the context's --timeout-s.
void SetDeadline(grpc::ClientContext& rpc, const CommandContext& ctx);

// An RPC failure as a status with the same code and a message fit for a
// person: UNAVAILABLE before the scheduler was reached becomes "cannot
// reach scheduler at ADDR: ...".
absl::Status FromRpcStatus(const grpc::Status& status,
                           const std::string& address,
                           bool scheduler_reached = false);

// FromRpcStatus for a call made through `ctx`, asking its channel whether
// the scheduler was reached.
absl::Status RpcError(const CommandContext& ctx, const grpc::Status& status);

// One unary call through `ctx`'s stub with its deadline; a failure comes
// back as RpcError. `CallUnary(ctx, ctx.jobs, &Stub::GetJob, req, &job)`.
template <typename Stub, typename Request, typename Response>
absl::Status CallUnary(const CommandContext& ctx, Stub* stub,
                       grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                    const Request&, Response*),
                       const Request& request, Response* response) {
  grpc::ClientContext rpc;
  SetDeadline(rpc, ctx);
  grpc::Status s = (stub->*method)(&rpc, request, response);
  return s.ok() ? absl::OkStatus() : RpcError(ctx, s);
}

// The exit code for a command's result: the one WithExitCode attached;
// else 0 for OK; 2 for INVALID_ARGUMENT and NOT_FOUND (the input named
// something wrong or missing); 1 otherwise.
int ExitCodeFor(const absl::Status& status);

// Prints "hetsched: MESSAGE" to `err` when the status is not OK and
// returns its exit code.
int ReportStatus(const absl::Status& status, std::ostream& err);

}  // namespace hetsched::cli
