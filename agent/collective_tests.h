// The agent's part in collective tests (CollectiveTestOrder): PREPARE opens
// a listener (tcp) or picks a free port for NCCL's bootstrap root (nccl)
// and reports PREPARED with the address; START runs the sweep on a thread
// of its own and reports DONE or FAILED; ABORT stops and closes everything.
// Mode tcp: the ring all-reduce of collective_ring.h over TcpRing. Mode
// nccl: hetsched-calibrate --sections nccl as this rank, through the
// ChildLauncher, its all-reduce samples converted to a CollectiveResult.
// Handle() never blocks on the network, so the scheduler link's reader is
// never held up. Thread-safe; reports go to the sink from any thread.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "agent/child_launcher.h"
#include "agent/tcp_ring_transport.h"
#include "hetsched/v1/agent.pb.h"

namespace hetsched::agent {

// One tcp sweep as `order` describes it (rank, nranks, sizes, iterations),
// over `transport`; the result has a sample per size and the average.
// Exposed for tests.
absl::StatusOr<v1::CollectiveResult> RunRingSweep(
    const v1::CollectiveTestOrder& order, RingTransport& transport);

// hetsched-calibrate's document (multi-process nccl run) as a result;
// FAILED_PRECONDITION with the tool's reason when it measured nothing.
absl::StatusOr<v1::CollectiveResult> NcclResultFromDocument(
    const std::string& document_json);

class CollectiveTests {
 public:
  struct Options {
    std::string advertise_host;
    std::string calibrate_bin;  // "" when not found
    std::string work_dir;       // for the nccl child's output files
    ChildLauncher* launcher = nullptr;
  };
  using Sink = std::function<void(const v1::CollectiveTestReport&)>;

  CollectiveTests(Options options, Sink sink);
  ~CollectiveTests();  // aborts and joins every test

  void Handle(const v1::CollectiveTestOrder& order);

 private:
  struct Session {
    v1::CollectiveTestOrder prepare;
    std::unique_ptr<TcpListener> listener;  // tcp only
    std::string address;
    std::atomic<bool> abort{false};
    std::atomic<bool> finished{false};
    bool started = false;
    std::thread thread;
  };

  void Prepare(const v1::CollectiveTestOrder& order);
  void Start(const v1::CollectiveTestOrder& order);
  void Abort(const std::string& test_id);
  void Run(Session* session, const v1::CollectiveTestOrder& order);
  absl::StatusOr<v1::CollectiveResult> RunTcp(
      Session* session, const v1::CollectiveTestOrder& order);
  absl::StatusOr<v1::CollectiveResult> RunNccl(
      Session* session, const v1::CollectiveTestOrder& order);
  void Report(const v1::CollectiveTestOrder& order,
              v1::CollectiveTestReport::Phase phase);
  void Fail(const v1::CollectiveTestOrder& order, const std::string& error);
  void ReapFinishedLocked();

  Options options_;
  Sink sink_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Session>> sessions_;
};

}  // namespace hetsched::agent
