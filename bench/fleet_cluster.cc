#include "bench/fleet_cluster.h"

#include <algorithm>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace hetsched::bench {
namespace {

constexpr absl::Duration kStartTimeout = absl::Seconds(60);

// The address after " metrics on " in a daemon's stdout; empty if none.
std::string MetricsLine(const std::string& out) {
  const std::string marker = " metrics on ";
  const size_t at = out.find(marker);
  if (at == std::string::npos) return "";
  const size_t eol = out.find('\n', at);
  if (eol == std::string::npos) return "";
  return out.substr(at + marker.size(), eol - at - marker.size());
}

// ListNodes pages (AIP-158) where the API has page tokens; read through
// reflection so the benchmark builds against the API before and after.
void SetPageToken(google::protobuf::Message& request,
                  const std::string& token) {
  const auto* field = request.GetDescriptor()->FindFieldByName("page_token");
  if (field != nullptr && !token.empty()) {
    request.GetReflection()->SetString(&request, field, token);
  }
}

std::string NextPageToken(const google::protobuf::Message& response) {
  const auto* field =
      response.GetDescriptor()->FindFieldByName("next_page_token");
  return field == nullptr
             ? std::string()
             : response.GetReflection()->GetString(response, field);
}

}  // namespace

FleetCluster::FleetCluster(Options options) : options_(std::move(options)) {}

FleetCluster::~FleetCluster() {
  for (auto& agent : agents_) agent->Stop(absl::Seconds(30));
  if (scheduler_) scheduler_->Stop(absl::Seconds(30));
}

absl::Status FleetCluster::StartScheduler() {
  ++starts_;
  std::vector<std::string> argv = {options_.scheduler_bin,
                                   "--listen",
                                   absl::StrCat("127.0.0.1:", port_),
                                   "--data-dir",
                                   options_.dir + "/scheduler-data",
                                   "--metrics-listen",
                                   "127.0.0.1:0",
                                   "--heartbeat-ms",
                                   absl::StrCat(options_.heartbeat_ms),
                                   "--node-lost-timeout-s",
                                   absl::StrCat(options_.node_lost_timeout_s)};
  if (!options_.etcd_endpoints.empty()) {
    argv.insert(argv.end(), {"--store", "etcd", "--etcd-endpoints",
                             options_.etcd_endpoints});
  }
  auto child = testing::ChildProcess::Start(
      argv, absl::StrCat(options_.dir, "/scheduler-", starts_, ".log"));
  if (!child.ok()) return child.status();
  scheduler_ = std::move(*child);
  auto address = scheduler_->WaitForListenAddress(kStartTimeout);
  if (!address.ok()) return address.status();
  address_ = *address;
  (void)absl::SimpleAtoi(address_.substr(address_.rfind(':') + 1), &port_);
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while ((metrics_address_ = MetricsLine(scheduler_->Stdout())).empty() &&
         absl::Now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  auto channel = NewChannel();
  jobs_ = v1::JobService::NewStub(channel);
  nodes_ = v1::NodeService::NewStub(channel);
  return options_.etcd_endpoints.empty() ? absl::OkStatus() : WaitLeading();
}

absl::Status FleetCluster::WaitLeading() {
  // A follower answers UNAVAILABLE naming the leader; the replica leads
  // once it answers at all.
  const absl::Time deadline = absl::Now() + kStartTimeout;
  grpc::Status status;
  do {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(5));
    v1::ListQueuesResponse queues;
    status = jobs_->ListQueues(&ctx, v1::ListQueuesRequest(), &queues);
    if (status.ok()) return absl::OkStatus();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (absl::Now() < deadline);
  return absl::DeadlineExceededError(absl::StrCat(
      "the scheduler did not lead within 60 s: ", status.error_message()));
}

void FleetCluster::CrashScheduler() { scheduler_->Crash(); }

absl::Status FleetCluster::StartAgent(const std::string& inventory,
                                      const std::string& prefix, int hosts) {
  auto child = testing::ChildProcess::Start(
      {options_.agent_bin, "--simulate-hosts", absl::StrCat(hosts), "--name",
       prefix, "--inventory", inventory, "--scheduler", address_, "--work-dir",
       absl::StrCat(options_.dir, "/agent-", prefix)},
      absl::StrCat(options_.dir, "/agent-", prefix, ".log"));
  if (!child.ok()) return child.status();
  auto address = (*child)->WaitForListenAddress(kStartTimeout);
  if (!address.ok()) return address.status();
  agents_.push_back(std::move(*child));
  return absl::OkStatus();
}

std::shared_ptr<grpc::Channel> FleetCluster::NewChannel() const {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);  // ListNodes of thousands of nodes
  args.SetInt(
      "hetsched.bench.channel",
      static_cast<int>(absl::ToUnixNanos(absl::Now())));  // own connection
  return grpc::CreateCustomChannel(address_, grpc::InsecureChannelCredentials(),
                                   args);
}

absl::StatusOr<FleetCluster::NodeCounts> FleetCluster::CountNodes() {
  NodeCounts counts;
  std::string token;
  do {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(30));
    v1::ListNodesRequest request;
    SetPageToken(request, token);
    v1::ListNodesResponse response;
    grpc::Status s = nodes_->ListNodes(&ctx, request, &response);
    if (!s.ok()) return absl::UnavailableError(s.error_message());
    for (const auto& n : response.nodes()) {
      ++counts.total;
      counts.ready += n.connected() && n.state() == v1::NODE_STATE_READY;
      counts.lost += n.state() == v1::NODE_STATE_LOST;
    }
    token = NextPageToken(response);
  } while (!token.empty());
  return counts;
}

absl::Status FleetCluster::WaitReady(int count, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    auto counts = CountNodes();
    if (counts.ok() && counts->ready >= count) return absl::OkStatus();
    // Listing thousands of nodes loads the scheduler being measured: poll
    // less often as the fleet grows (100 ms up to 1,000 hosts, 500 ms at
    // 5,000).
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::max(100, count / 10)));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("fewer than ", count, " nodes READY after ",
                   absl::FormatDuration(timeout)));
}

std::vector<pid_t> FleetCluster::agent_pids() const {
  std::vector<pid_t> pids;
  for (const auto& agent : agents_) pids.push_back(agent->pid());
  return pids;
}

}  // namespace hetsched::bench
