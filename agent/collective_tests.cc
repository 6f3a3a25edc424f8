#include "agent/collective_tests.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "agent/agent_log.h"
#include "nlohmann/json.hpp"

namespace hetsched::agent {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string LastLine(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.pop_back();
  const size_t nl = text.rfind('\n');
  return nl == std::string::npos ? text : text.substr(nl + 1);
}

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace

absl::StatusOr<v1::CollectiveResult> RunRingSweep(
    const v1::CollectiveTestOrder& order, RingTransport& transport) {
  const uint32_t n = order.nranks();
  const std::vector<uint64_t> sizes =
      RingSweepSizes(order.min_bytes(), order.max_bytes(), order.step_factor());
  v1::CollectiveResult result;
  result.set_collective("all_reduce");
  result.set_ranks(n);
  result.set_avg_min_bytes(RingAverageFloorBytes(sizes));
  const uint32_t iterations = std::max<uint32_t>(order.iterations(), 1);
  std::vector<float> data;
  std::vector<float> scratch;
  bool all_verified = true;
  double sum = 0;
  int averaged = 0;
  for (uint64_t bytes : sizes) {
    data.assign(bytes / sizeof(float), 0.0f);
    double total_s = 0;
    bool verified = true;
    // One warm-up, then `iterations` timed calls; inputs are refilled
    // before each call (untimed) since the reduction is in place.
    for (uint32_t it = 0; it <= iterations; ++it) {
      FillRingInput(order.rank(), data);
      const auto start = std::chrono::steady_clock::now();
      absl::Status s = RingAllReduce(order.rank(), n, data, scratch, transport);
      const auto end = std::chrono::steady_clock::now();
      if (!s.ok()) {
        return absl::Status(s.code(), absl::StrCat("all-reduce of ", bytes,
                                                   " bytes: ", s.message()));
      }
      if (it > 0) total_s += Seconds(end - start);
      if (FirstWrongSum(n, data) >= 0) verified = false;
    }
    const double t = total_s / iterations;
    v1::CollectiveSample* sample = result.add_samples();
    sample->set_bytes(bytes);
    sample->set_time_us(t * 1e6);
    sample->set_algbw_gbps(AlgBandwidthGbps(bytes, t));
    sample->set_busbw_gbps(AllReduceBusBandwidthGbps(sample->algbw_gbps(), n));
    sample->set_verified(verified);
    all_verified = all_verified && verified;
    if (bytes >= result.avg_min_bytes()) {
      sum += sample->busbw_gbps();
      ++averaged;
    }
  }
  result.set_avg_busbw_gbps(averaged > 0 ? sum / averaged : 0);
  result.set_verified(all_verified);
  return result;
}

absl::StatusOr<v1::CollectiveResult> NcclResultFromDocument(
    const std::string& document_json) {
  const nlohmann::json doc =
      nlohmann::json::parse(document_json, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return absl::InvalidArgumentError(
        "hetsched-calibrate printed no JSON document");
  }
  const std::string status = doc.value("status", "");
  if (status == "no_cuda_device") {
    return absl::FailedPreconditionError(
        absl::StrCat("no_cuda_device: ", doc.value("reason", "")));
  }
  if (status == "error") {
    return absl::FailedPreconditionError(
        absl::StrCat("hetsched-calibrate: ", doc.value("error", "")));
  }
  const auto nccl = doc.find("nccl");
  if (nccl == doc.end() || !nccl->is_object()) {
    return absl::FailedPreconditionError(
        "hetsched-calibrate: the nccl section did not run");
  }
  v1::CollectiveResult result;
  result.set_collective("all_reduce");
  result.set_ranks(nccl->value("ranks", 0u));
  result.set_avg_min_bytes(nccl->value("avg_busbw_min_bytes", uint64_t{0}));
  auto number = [](const nlohmann::json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_number() ? it->get<double>() : 0.0;
  };
  for (const auto& c : nccl->value("collectives", nlohmann::json::array())) {
    if (c.value("collective", "") != "all_reduce") continue;
    result.set_avg_busbw_gbps(number(c, "avg_busbw_gbps"));
    result.set_verified(c.value("verified", false));
    for (const auto& s : c.value("samples", nlohmann::json::array())) {
      v1::CollectiveSample* sample = result.add_samples();
      sample->set_bytes(s.value("bytes", uint64_t{0}));
      sample->set_time_us(number(s, "time_us"));
      sample->set_algbw_gbps(number(s, "algbw_gbps"));
      sample->set_busbw_gbps(number(s, "busbw_gbps"));
      sample->set_verified(s.value("verified", false));
    }
    return result;
  }
  return absl::FailedPreconditionError(
      "hetsched-calibrate: no all_reduce samples in the document");
}

CollectiveTests::CollectiveTests(Options options, Sink sink)
    : options_(std::move(options)), sink_(std::move(sink)) {}

CollectiveTests::~CollectiveTests() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [id, session] : sessions_) session->abort = true;
  for (auto& [id, session] : sessions_) {
    if (session->thread.joinable()) session->thread.join();
  }
}

void CollectiveTests::Handle(const v1::CollectiveTestOrder& order) {
  switch (order.phase()) {
    case v1::CollectiveTestOrder::PHASE_PREPARE:
      Prepare(order);
      break;
    case v1::CollectiveTestOrder::PHASE_START:
      Start(order);
      break;
    case v1::CollectiveTestOrder::PHASE_ABORT:
      Abort(order.test_id());
      break;
    default:
      break;
  }
}

void CollectiveTests::Report(const v1::CollectiveTestOrder& order,
                             v1::CollectiveTestReport::Phase phase) {
  v1::CollectiveTestReport report;
  report.set_test_id(order.test_id());
  report.set_rank(order.rank());
  report.set_phase(phase);
  sink_(report);
}

void CollectiveTests::Fail(const v1::CollectiveTestOrder& order,
                           const std::string& error) {
  AgentLog(absl::StrCat("collective test ", order.test_id(), " rank ",
                        order.rank(), " failed: ", error));
  v1::CollectiveTestReport report;
  report.set_test_id(order.test_id());
  report.set_rank(order.rank());
  report.set_phase(v1::CollectiveTestReport::PHASE_FAILED);
  report.set_error(error);
  sink_(report);
}

void CollectiveTests::ReapFinishedLocked() {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (it->second->finished) {
      if (it->second->thread.joinable()) it->second->thread.join();
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
}

void CollectiveTests::Prepare(const v1::CollectiveTestOrder& order) {
  std::lock_guard<std::mutex> lock(mu_);
  ReapFinishedLocked();
  if (order.nranks() < 2 || order.rank() >= order.nranks()) {
    Fail(order, absl::StrCat("rank ", order.rank(), " of ", order.nranks(),
                             " is not a ring"));
    return;
  }
  auto& session = sessions_[order.test_id()];
  if (session == nullptr) {
    session = std::make_unique<Session>();
    session->prepare = order;
    if (order.mode() == "tcp") {
      auto listener = TcpListener::Open(options_.advertise_host);
      if (!listener.ok()) {
        sessions_.erase(order.test_id());
        Fail(order, absl::StrCat("listen on ", options_.advertise_host, ": ",
                                 listener.status().message()));
        return;
      }
      session->address = (*listener)->address();
      session->listener = std::move(*listener);
    } else if (order.mode() == "nccl") {
      auto address = PickFreeAddress(options_.advertise_host);
      if (!address.ok()) {
        sessions_.erase(order.test_id());
        Fail(order, absl::StrCat("no free port on ", options_.advertise_host,
                                 ": ", address.status().message()));
        return;
      }
      session->address = *address;
    } else {
      sessions_.erase(order.test_id());
      Fail(order, absl::StrCat("mode: unknown '", order.mode(), "'"));
      return;
    }
  }
  v1::CollectiveTestReport report;
  report.set_test_id(order.test_id());
  report.set_rank(order.rank());
  report.set_phase(v1::CollectiveTestReport::PHASE_PREPARED);
  report.set_listen_address(session->address);
  sink_(report);
}

void CollectiveTests::Start(const v1::CollectiveTestOrder& order) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(order.test_id());
  if (it == sessions_.end()) {
    Fail(order, "START before PREPARE (the agent may have restarted)");
    return;
  }
  Session* session = it->second.get();
  if (session->started) return;  // a repeated START
  if (static_cast<uint32_t>(order.peers_size()) != order.nranks()) {
    Fail(order, absl::StrCat("peers: ", order.peers_size(), " addresses for ",
                             order.nranks(), " ranks"));
    session->finished = true;
    return;
  }
  session->started = true;
  session->thread =
      std::thread([this, session, order] { Run(session, order); });
}

void CollectiveTests::Abort(const std::string& test_id) {
  std::unique_ptr<Session> session;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = sessions_.find(test_id);
    if (it == sessions_.end()) return;
    session = std::move(it->second);
    sessions_.erase(it);
  }
  session->abort = true;
  // Every wait of the test looks at `abort` at least every 100 ms.
  if (session->thread.joinable()) session->thread.join();
  AgentLog(absl::StrCat("collective test ", test_id, " aborted"));
}

void CollectiveTests::Run(Session* session,
                          const v1::CollectiveTestOrder& order) {
  AgentLog(absl::StrCat("collective test ", order.test_id(), " (", order.mode(),
                        "): rank ", order.rank(), " of ", order.nranks(), ", ",
                        order.min_bytes(), "..", order.max_bytes(), " bytes"));
  auto result =
      order.mode() == "nccl" ? RunNccl(session, order) : RunTcp(session, order);
  if (!session->abort) {
    if (result.ok()) {
      v1::CollectiveTestReport report;
      report.set_test_id(order.test_id());
      report.set_rank(order.rank());
      report.set_phase(v1::CollectiveTestReport::PHASE_DONE);
      *report.mutable_result() = *std::move(result);
      sink_(report);
    } else {
      Fail(order, std::string(result.status().message()));
    }
  }
  session->listener.reset();
  session->finished = true;
}

absl::StatusOr<v1::CollectiveResult> CollectiveTests::RunTcp(
    Session* session, const v1::CollectiveTestOrder& order) {
  TcpRing::Options ring;
  ring.test_id = order.test_id();
  ring.rank = order.rank();
  ring.nranks = order.nranks();
  ring.next_address = order.peers((order.rank() + 1) % order.nranks());
  ring.timeout = absl::Seconds(order.timeout_s() > 0 ? order.timeout_s() : 120);
  ring.abort = &session->abort;
  auto transport = TcpRing::Connect(ring, *session->listener);
  if (!transport.ok()) return transport.status();
  return RunRingSweep(order, **transport);
}

absl::StatusOr<v1::CollectiveResult> CollectiveTests::RunNccl(
    Session* session, const v1::CollectiveTestOrder& order) {
  if (options_.calibrate_bin.empty()) {
    return absl::FailedPreconditionError(
        "hetsched-calibrate not found next to hetsched-agent or on PATH");
  }
  const std::string dir =
      absl::StrCat(options_.work_dir, "/collective/", order.test_id());
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return absl::InternalError(absl::StrCat(dir, ": ", ec.message()));
  const absl::Duration timeout =
      absl::Seconds(order.timeout_s() > 0 ? order.timeout_s() : 120);
  auto run = [&](const std::string& id,
                 std::vector<std::string> args) -> absl::StatusOr<std::string> {
    LaunchSpec spec;
    spec.task_id = absl::StrCat(order.test_id(), "-", id);
    spec.argv = std::move(args);
    spec.argv.insert(spec.argv.begin(), options_.calibrate_bin);
    spec.directory = dir;
    auto outcome = options_.launcher->RunToEnd(spec, timeout, &session->abort);
    if (!outcome.ok()) return outcome.status();
    const std::string out = ReadFile(dir + "/stdout");
    if (outcome->cancelled) return absl::AbortedError("test aborted");
    if (outcome->timed_out) {
      return absl::DeadlineExceededError(absl::StrCat(
          "hetsched-calibrate (rank ", order.rank(), ", nccl_root ",
          order.nccl_root(), ") did not finish within ",
          absl::FormatDuration(timeout)));
    }
    if (outcome->exit.exit_code != 0 && outcome->exit.exit_code != 4) {
      // The document says why when there is one (no_cuda_device, error).
      auto doc = NcclResultFromDocument(out);
      if (!doc.ok() && !out.empty() && out.front() == '{') return doc.status();
      return absl::FailedPreconditionError(absl::StrCat(
          "hetsched-calibrate exited with code ", outcome->exit.exit_code, ": ",
          LastLine(ReadFile(dir + "/stderr"))));
    }
    return out;
  };
  // With NCCL_COMM_ID (--nccl-root) set, the unique id only names the root's
  // address, so every rank can compute the same id on its own.
  auto id = run("id", {"--print-unique-id", "--nccl-root", order.nccl_root()});
  if (!id.ok()) return id.status();
  std::string hex = *id;
  while (!hex.empty() && (hex.back() == '\n' || hex.back() == ' '))
    hex.pop_back();
  const std::vector<uint64_t> sizes =
      RingSweepSizes(order.min_bytes(), order.max_bytes(), order.step_factor());
  auto doc =
      run("rank", {"--sections",
                   "nccl",
                   "--devices",
                   "0",
                   "--nccl-unique-id",
                   hex,
                   "--nccl-root",
                   order.nccl_root(),
                   "--rank",
                   absl::StrCat(order.rank()),
                   "--nranks",
                   absl::StrCat(order.nranks()),
                   "--min-bytes",
                   absl::StrCat(order.min_bytes()),
                   "--max-bytes",
                   absl::StrCat(order.max_bytes()),
                   "--step-factor",
                   absl::StrCat(order.step_factor()),
                   "--iterations",
                   absl::StrCat(std::max<uint32_t>(order.iterations(), 1)),
                   "--avg-busbw-min-bytes",
                   absl::StrCat(RingAverageFloorBytes(sizes)),
                   "--time-budget-s",
                   absl::StrCat(absl::ToInt64Seconds(timeout))});
  if (!doc.ok()) return doc.status();
  return NcclResultFromDocument(*doc);
}

}  // namespace hetsched::agent
