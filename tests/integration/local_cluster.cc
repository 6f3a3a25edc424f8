#include "tests/integration/local_cluster.h"

#include <dirent.h>
#include <signal.h>
#include <stdlib.h>

#include <algorithm>
#include <fstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/tls.h"
#include "grpcpp/grpcpp.h"
#include "spec/job_spec_yaml.h"

namespace hetsched::testing {
namespace {

constexpr absl::Duration kStartTimeout = absl::Seconds(30);

void Pause() { std::this_thread::sleep_for(std::chrono::milliseconds(50)); }

grpc::ClientContext* WithDeadline(grpc::ClientContext* ctx) {
  ctx->set_deadline(std::chrono::system_clock::now() +
                    std::chrono::seconds(10));
  return ctx;
}

absl::Status FromGrpc(const grpc::Status& s) {
  return s.ok() ? absl::OkStatus()
                : absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                               s.error_message());
}

}  // namespace

LocalCluster::LocalCluster() {
  std::string tmpl = "/tmp/hetsched-it-XXXXXX";
  dir_ = mkdtemp(tmpl.data());
}

LocalCluster::~LocalCluster() {
  for (auto& [name, agent] : agents_) agent->Stop();
  if (scheduler_) scheduler_->Stop();
  for (auto& replica : replicas_) {
    if (replica) replica->Stop();
  }
  // Stopped agents leave their tasks to their supervisors (as in
  // production); a test leaves nothing behind.
  KillSupervisorsUnder(dir_);
}

void KillSupervisorsUnder(const std::string& dir) {
  // readdir, not std::filesystem: processes come and go while /proc is
  // read, and the iterator would stop at the first that vanished.
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return;
  while (const dirent* entry = readdir(proc)) {
    pid_t pid = 0;
    if (!absl::SimpleAtoi(entry->d_name, &pid)) continue;
    std::ifstream in(absl::StrCat("/proc/", pid, "/cmdline"));
    std::string cmdline((std::istreambuf_iterator<char>(in)),
                        std::istreambuf_iterator<char>());
    std::vector<std::string> argv = absl::StrSplit(cmdline, '\0');
    if (argv.size() < 2 ||
        !absl::EndsWith(argv[0], "hetsched-task-supervisor") ||
        !absl::StartsWith(argv[1], dir + "/")) {
      continue;
    }
    std::ifstream record(argv[1] + "/supervisor");
    std::string line;
    while (std::getline(record, line)) {
      pid_t pgid = 0;
      if (absl::StartsWith(line, "pgid=") &&
          absl::SimpleAtoi(line.substr(5), &pgid) && pgid > 1) {
        kill(-pgid, SIGKILL);
      }
    }
    kill(pid, SIGKILL);
  }
  closedir(proc);
}

void LocalCluster::UseTls(const std::string& certs_dir) {
  certs_dir_ = certs_dir;
  tls_flags_ = TlsFlagsFor("admin");
  auto creds =
      LoadTlsCredentials({certs_dir + "/ca.pem", certs_dir + "/admin.pem",
                          certs_dir + "/admin.key"});
  credentials_ = creds.ok() ? creds->channel : nullptr;
}

std::vector<std::string> LocalCluster::TlsFlagsFor(
    const std::string& identity) const {
  if (certs_dir_.empty()) return {};
  return {"--tls-ca",   certs_dir_ + "/ca.pem",
          "--tls-cert", absl::StrCat(certs_dir_, "/", identity, ".pem"),
          "--tls-key",  absl::StrCat(certs_dir_, "/", identity, ".key")};
}

absl::StatusOr<std::vector<std::string>> ListJobIds(
    v1::JobService::Stub& jobs) {
  std::vector<std::string> ids;
  v1::ListJobsRequest request;
  request.set_page_size(200);
  while (true) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(10));
    v1::ListJobsResponse page;
    grpc::Status s = jobs.ListJobs(&ctx, request, &page);
    if (!s.ok()) return absl::UnavailableError(s.error_message());
    for (const auto& job : page.jobs()) ids.push_back(job.id());
    if (page.next_page_token().empty()) return ids;
    request.set_page_token(page.next_page_token());
  }
}

std::vector<std::string> LocalCluster::SchedulerArgv(
    const std::string& listen, const std::vector<std::string>& flags) const {
  std::vector<std::string> argv = {HETSCHED_SCHEDULER_BIN, "--listen", listen};
  // Defaults for tests; a flag in `flags` replaces its default.
  const std::vector<std::pair<std::string, std::string>> defaults = {
      {"--heartbeat-ms", "200"},
      {"--node-lost-timeout-s", "3"},
      {"--kill-grace-s", "2"},
      {"--retry-backoff-s", "1"}};  // retries still back off, briefly
  for (const auto& [flag, value] : defaults) {
    if (std::find(flags.begin(), flags.end(), flag) != flags.end()) continue;
    argv.push_back(flag);
    argv.push_back(value);
  }
  argv.insert(argv.end(), flags.begin(), flags.end());
  const auto tls = TlsFlagsFor("scheduler");
  argv.insert(argv.end(), tls.begin(), tls.end());
  return argv;
}

absl::Status LocalCluster::StartScheduler(
    int port, const std::vector<std::string>& flags) {
  std::vector<std::string> argv =
      SchedulerArgv(absl::StrCat("127.0.0.1:", port), flags);
  argv.insert(argv.begin() + 3, {"--data-dir", dir_ + "/scheduler"});
  auto child = ChildProcess::Start(
      argv, absl::StrCat(dir_, "/scheduler-", absl::ToUnixNanos(absl::Now()),
                         ".log"));
  if (!child.ok()) return child.status();
  scheduler_ = std::move(*child);
  auto address = scheduler_->WaitForListenAddress(kStartTimeout);
  if (!address.ok()) return address.status();
  address_ = *address;
  (void)absl::SimpleAtoi(address_.substr(address_.rfind(':') + 1), &port_);
  PointStubsAt(address_);
  return absl::OkStatus();
}

void LocalCluster::PointStubsAt(const std::string& address) {
  auto channel = grpc::CreateChannel(
      address,
      credentials_ ? credentials_ : grpc::InsecureChannelCredentials());
  jobs_ = v1::JobService::NewStub(channel);
  nodes_ = v1::NodeService::NewStub(channel);
}

absl::Status LocalCluster::StartReplica(int index,
                                        const std::string& etcd_endpoints,
                                        const std::vector<std::string>& flags) {
  std::vector<std::string> all = {"--store", "etcd", "--etcd-endpoints",
                                  etcd_endpoints};
  all.insert(all.end(), flags.begin(), flags.end());
  // A restarted replica keeps its port, so the addresses agents and
  // clients were given stay true.
  const int port = index < static_cast<int>(replica_ports_.size())
                       ? replica_ports_[index]
                       : 0;
  auto child =
      ChildProcess::Start(SchedulerArgv(absl::StrCat("127.0.0.1:", port), all),
                          absl::StrCat(dir_, "/replica-", index, "-",
                                       absl::ToUnixNanos(absl::Now()), ".log"));
  if (!child.ok()) return child.status();
  auto address = (*child)->WaitForListenAddress(kStartTimeout);
  if (!address.ok()) return address.status();
  int bound = 0;
  (void)absl::SimpleAtoi(address->substr(address->rfind(':') + 1), &bound);
  if (index >= static_cast<int>(replicas_.size())) {
    replicas_.resize(index + 1);
    replica_ports_.resize(index + 1);
  }
  replicas_[index] = std::move(*child);
  replica_ports_[index] = bound;
  std::vector<std::string> addresses;
  for (int p : replica_ports_)
    addresses.push_back(absl::StrCat("127.0.0.1:", p));
  address_ = absl::StrJoin(addresses, ",");
  return absl::OkStatus();
}

absl::StatusOr<int> LocalCluster::WaitForLeader(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    for (size_t i = 0; i < replicas_.size(); ++i) {
      if (replicas_[i] == nullptr || ProcessGone(replicas_[i]->pid())) continue;
      const std::string address = absl::StrCat("127.0.0.1:", replica_ports_[i]);
      auto stub = v1::JobService::NewStub(grpc::CreateChannel(
          address,
          credentials_ ? credentials_ : grpc::InsecureChannelCredentials()));
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(500));
      v1::ListQueuesResponse queues;
      if (stub->ListQueues(&ctx, v1::ListQueuesRequest(), &queues).ok()) {
        PointStubsAt(address);
        return static_cast<int>(i);
      }
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::DeadlineExceededError("no scheduler replica leads");
}

absl::Status LocalCluster::StartAgent(const HostSpec& host) {
  const std::string inventory = absl::StrCat(dir_, "/", host.name, ".yaml");
  std::string labels;
  for (const auto& [key, value] : host.labels) {
    absl::StrAppend(&labels, ", '", key, "': '", value, "'");
  }
  // count 0: a host without accelerators (CPU-only work).
  const std::string accelerators =
      host.count == 0 ? ""
                      : absl::StrCat("accelerators: {kind: ", host.kind,
                                     ", count: ", host.count, "}\n");
  const std::string cpus = absl::StrCat(
      host.cpus > 0 ? absl::StrCat("cpus: ", host.cpus, "\n") : "",
      host.memory_gb > 0 ? absl::StrCat("memory_gb: ", host.memory_gb, "\n")
                         : "");
  std::ofstream(inventory) << "instance_type: test\n"
                           << accelerators << cpus
                           << "labels: {provider: aws, ultraserver: '"
                           << host.ultraserver << "'" << labels << "}\n";
  std::vector<std::string> argv = {HETSCHED_AGENT_BIN,
                                   "--scheduler",
                                   address_,
                                   "--name",
                                   host.name,
                                   "--inventory",
                                   inventory,
                                   "--work-dir",
                                   dir_ + "/" + host.name,
                                   "--heartbeat-ms",
                                   "200",
                                   "--kill-grace-s",
                                   "2"};
  argv.insert(argv.end(), host.agent_flags.begin(), host.agent_flags.end());
  const auto tls = TlsFlagsFor("node-" + host.name);
  argv.insert(argv.end(), tls.begin(), tls.end());
  auto child = ChildProcess::Start(
      argv, absl::StrCat(dir_, "/agent-", host.name, ".log"));
  if (!child.ok()) return child.status();
  auto address = (*child)->WaitForListenAddress(kStartTimeout);
  if (!address.ok()) return address.status();
  agents_[host.name] = std::move(*child);
  return absl::OkStatus();
}

absl::Status LocalCluster::WaitForReadyNodes(int count) {
  const absl::Time deadline = absl::Now() + kStartTimeout;
  while (absl::Now() < deadline) {
    grpc::ClientContext ctx;
    v1::ListNodesResponse nodes;
    if (nodes_->ListNodes(WithDeadline(&ctx), {}, &nodes).ok()) {
      int ready = 0;
      for (const auto& n : nodes.nodes()) {
        ready += n.connected() && n.state() == v1::NODE_STATE_READY;
      }
      if (ready >= count) return absl::OkStatus();
    }
    Pause();
  }
  return absl::DeadlineExceededError("nodes did not become ready");
}

absl::StatusOr<std::string> LocalCluster::Submit(const std::string& yaml) {
  auto spec = spec::ParseJobSpecYaml(yaml);
  if (!spec.ok()) return spec.status();
  grpc::ClientContext ctx;
  v1::SubmitJobRequest request;
  *request.mutable_spec() = *spec;
  v1::SubmitJobResponse response;
  absl::Status s =
      FromGrpc(jobs_->SubmitJob(WithDeadline(&ctx), request, &response));
  if (!s.ok()) return s;
  return response.job_id();
}

absl::StatusOr<v1::Job> LocalCluster::GetJob(const std::string& id) {
  grpc::ClientContext ctx;
  v1::GetJobRequest request;
  request.set_job_id(id);
  v1::Job job;
  absl::Status s = FromGrpc(jobs_->GetJob(WithDeadline(&ctx), request, &job));
  if (!s.ok()) return s;
  return job;
}

absl::StatusOr<v1::Job> LocalCluster::WaitForJob(
    const std::string& id, const std::vector<v1::JobState>& states,
    absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  v1::Job job;
  while (absl::Now() < deadline) {
    auto got = GetJob(id);
    if (got.ok()) {
      job = *got;
      for (auto s : states) {
        if (job.state() == s) return job;
      }
    }
    Pause();
  }
  return absl::DeadlineExceededError(
      absl::StrCat("job ", id, " stayed ", v1::JobState_Name(job.state()), ": ",
                   job.DebugString()));
}

absl::StatusOr<std::string> LocalCluster::ReadLog(const std::string& id,
                                                  uint32_t rank) {
  grpc::ClientContext ctx;
  v1::GetTaskLogsRequest request;
  request.set_job_id(id);
  request.set_rank(rank);
  auto reader = jobs_->GetTaskLogs(WithDeadline(&ctx), request);
  std::string out;
  v1::LogChunk chunk;
  while (reader->Read(&chunk)) out += chunk.data();
  absl::Status s = FromGrpc(reader->Finish());
  if (!s.ok()) return s;
  return out;
}

CommandResult LocalCluster::Cli(std::vector<std::string> args) {
  args.insert(args.begin(), tls_flags_.begin(), tls_flags_.end());
  args.insert(args.begin(), {HETSCHED_CLI_BIN, "--scheduler", address_});
  return RunCommand(args);
}

std::string LocalCluster::TaskDir(const std::string& node,
                                  const std::string& task_id) const {
  return absl::StrCat(dir_, "/", node, "/tasks/", task_id);
}

}  // namespace hetsched::testing
