// The agent's stream to the scheduler (AgentService.Connect): registers the
// node, heartbeats, delivers task statuses, and hands assignments and kill
// orders to a handler. When the stream breaks it reconnects with capped,
// jittered exponential backoff; tasks keep running meanwhile, and on
// re-registration it lists the running tasks and re-sends terminal
// statuses the scheduler may not have read.
//
// A terminal status counts as delivered once the scheduler acknowledges a
// heartbeat written after it (the stream is ordered), so nothing is lost
// when a stream breaks with data in flight; the scheduler must treat a
// repeated terminal status as a no-op.
//
// With several replicas the link also gives up on a replica that stops
// answering (no registration answer, then no heartbeat ack) for its
// patience, and dials another: a paused or cut-off leader keeps its TCP
// connections open, and waiting for gRPC's keepalive would outlast the
// node lease, so the agent would stop its tasks instead of moving on.
//
// Threads: one connection thread (reads, dispatches to the handler) and,
// while connected, one writer thread, the only one that writes to the
// stream; with replicas, one watch thread. Report() and the accessors are
// thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/random/random.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "hetsched/v1/agent.grpc.pb.h"
#include "proto/api_states.h"

namespace hetsched::agent {

// What the link hands work to. Called on the link's connection thread.
class LinkHandler {
 public:
  virtual ~LinkHandler() = default;
  virtual void OnAssign(const v1::TaskAssignment& assignment) = 0;
  virtual void OnKill(const v1::KillTask& kill) = 0;
  // Hosts without processes (simulated ones) have nothing to signal.
  virtual void OnSignal(const v1::SignalTask& order) { (void)order; }
  // Tasks still running, listed in every RegisterRequest.
  virtual std::vector<v1::TaskStatus> RunningTasks() = 0;
  // Calibration and collective-test orders; must not block (they start
  // their own work and report through SchedulerLink::Send).
  virtual void OnCalibrate(const v1::RunCalibration& /*order*/) {}
  virtual void OnCollective(const v1::CollectiveTestOrder& /*order*/) {}
};

class SchedulerLink {
 public:
  struct Options {
    // Scheduler HOST:PORT, or a comma-separated list of the replicas of
    // a highly available one: the link follows whichever leads.
    std::string target;
    // Plaintext when null; mutual TLS credentials otherwise (common/tls.h).
    std::shared_ptr<grpc::ChannelCredentials> credentials;
    // Non-zero: used instead of the scheduler's heartbeat_interval_ms.
    absl::Duration heartbeat_override = absl::ZeroDuration();
    absl::Duration initial_backoff = absl::Milliseconds(200);
    absl::Duration max_backoff = absl::Seconds(10);
    Clock* clock = Clock::Real();
    // Called with every heartbeat round-trip time, on the connection
    // thread (metrics); must not block.
    std::function<void(absl::Duration)> on_round_trip;
    // Asked on the connection thread before each assignment is started:
    // a non-empty answer (why this node cannot take work now, e.g. its
    // disk is nearly full) becomes the node's unhealthy reason and the
    // assignment is refused, reported PREEMPTED, so the scheduler places
    // it again elsewhere without counting a failure. Must not block long.
    std::function<std::string()> health_check;
    // With replicas: the silence after which a replica is given up on.
    // Zero: half the node lease, at least two heartbeats (10 s before the
    // first lease is known); see ReplicaPatience.
    absl::Duration replica_patience = absl::ZeroDuration();
  };

  SchedulerLink(Options options, v1::NodeInfo node);
  ~SchedulerLink();  // Stop()
  SchedulerLink(const SchedulerLink&) = delete;
  SchedulerLink& operator=(const SchedulerLink&) = delete;

  // Starts connecting; `handler` must outlive the link's Stop().
  void Start(LinkHandler* handler);

  // Queues a status for the scheduler; never blocks on the network.
  void Report(const v1::TaskStatus& status);
  // Queues any other message (calibration, collective reports). Unlike a
  // terminal status it is not re-sent if the stream breaks while it is
  // written; queued messages wait for the next stream.
  void Send(v1::AgentMessage message);

  // From now on assignments are refused (reported PREEMPTED, "agent is
  // shutting down") instead of started.
  void StopAccepting();

  // Why this node cannot take new work ("" when it can): sent in every
  // registration and heartbeat (unhealthy_reason). A change is sent at
  // once, in a heartbeat ahead of anything queued after this call.
  void SetUnhealthy(const std::string& reason);

  // Waits until every queued status has been written, or `timeout`.
  bool Flush(absl::Duration timeout);

  // Closes the stream and joins the threads. Idempotent.
  void Stop();

  bool connected() const { return connected_.load(); }
  int64_t connects() const { return connects_.load(); }
  // Last heartbeat round-trip time; -1 before the first ack.
  int64_t last_round_trip_ms() const { return rtt_ms_.load(); }
  // The node lease the scheduler gave at the last registration (zero
  // before one, or from a scheduler that gives none), and how long since
  // the scheduler was last heard (a registration or a heartbeat ack; zero
  // before the first registration).
  absl::Duration lease() const { return absl::Milliseconds(lease_ms_.load()); }
  absl::Duration silent_for() const;

  // How long a replica may stay silent before the link tries another:
  // half the node `lease`, so the next replica has the other half before
  // the agent fences itself, and never less than two `heartbeat`s.
  static absl::Duration ReplicaPatience(absl::Duration lease,
                                        absl::Duration heartbeat);

 private:
  using Stream =
      grpc::ClientReaderWriter<v1::AgentMessage, v1::SchedulerMessage>;

  void ConnectionLoop();
  // One stream from connect to break; true if it registered.
  bool RunStream();
  void WriterLoop(Stream* stream, absl::Duration heartbeat_interval);
  void Dispatch(const v1::SchedulerMessage& message);
  void OnHeartbeatAck(int64_t sent_ms);
  // A heartbeat stamped now, carrying the current unhealthy reason; its
  // sent_ms is never one given before (acks are matched by it).
  v1::AgentMessage HeartbeatLocked();

  // After a stream that ended: the replica to dial next (the leader a
  // follower named, else the next in the list).
  void ChooseNextReplica(const grpc::ClientContext& ended);
  // The watch thread: cancels the live stream once its replica has said
  // nothing (registration answer or heartbeat ack) for the patience.
  void WatchReplicaLoop();

  Options options_;
  v1::NodeInfo node_;
  std::vector<std::string> targets_;
  std::vector<std::unique_ptr<v1::AgentService::Stub>> stubs_;
  // Changed only by the connection thread, while no stream is live; the
  // watch thread reads it under mu_ only while one is (context_ set).
  size_t current_ = 0;
  LinkHandler* handler_ = nullptr;
  absl::BitGen bitgen_;  // backoff jitter; used only by the connection thread

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool accepting_ = true;
  bool stream_broken_ = false;
  bool writing_ = false;  // the writer holds a message it took from outbox_
  grpc::ClientContext* context_ = nullptr;  // the live stream's, for Stop
  std::deque<v1::AgentMessage> outbox_;
  struct Unconfirmed {
    v1::TaskStatus status;
    uint64_t seq;
  };
  std::vector<Unconfirmed> unconfirmed_;       // terminal statuses written
  std::map<int64_t, uint64_t> heartbeat_seq_;  // sent_ms -> write seq
  uint64_t write_seq_ = 0;
  std::string unhealthy_reason_;
  int64_t last_heartbeat_ms_ = 0;
  int64_t stream_started_ms_ = 0;   // unix ms; the live stream's start
  bool gave_up_on_stream_ = false;  // the watch cancelled the live stream
  absl::Duration heartbeat_ = absl::ZeroDuration();  // the live stream's

  std::atomic<bool> connected_{false};
  std::atomic<int64_t> connects_{0};
  std::atomic<int64_t> rtt_ms_{-1};
  std::atomic<int64_t> lease_ms_{0};
  std::atomic<int64_t> last_contact_ms_{0};  // unix ms; 0: never registered
  std::thread thread_;
  std::thread watch_thread_;  // only with replicas
};

}  // namespace hetsched::agent
