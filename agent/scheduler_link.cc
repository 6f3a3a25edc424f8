#include "agent/scheduler_link.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "agent/agent_log.h"

namespace hetsched::agent {
namespace {

constexpr absl::Duration kDefaultHeartbeat = absl::Seconds(5);
// Between replicas within one round of a highly available scheduler.
constexpr absl::Duration kNextReplicaDelay = absl::Milliseconds(50);
// A replica's patience before any registration told the node lease.
constexpr absl::Duration kPatienceBeforeALease = absl::Seconds(10);
// How often the watch thread looks at the live stream.
constexpr absl::Duration kWatchStep = absl::Milliseconds(100);

}  // namespace

SchedulerLink::SchedulerLink(Options options, v1::NodeInfo node)
    : options_(std::move(options)), node_(std::move(node)) {
  grpc::ChannelArguments args;
  // Let gRPC notice a dead scheduler host even when no write is pending.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  // gRPC's own reconnect backoff grows to two minutes; keep it within ours
  // so an agent is back soon after its scheduler is. Not
  // GRPC_ARG_MIN_RECONNECT_BACKOFF_MS: gRPC uses it as the deadline of a
  // connection attempt (default 20 s), and at 200 ms a scheduler busy with
  // thousands of handshakes after a restart sees every host give up and
  // dial again, until its descriptors run out (docs/BENCHMARKS.md, Fleet).
  args.SetInt(
      GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS,
      static_cast<int>(absl::ToInt64Milliseconds(options_.initial_backoff)));
  args.SetInt(
      GRPC_ARG_MAX_RECONNECT_BACKOFF_MS,
      static_cast<int>(absl::ToInt64Milliseconds(options_.max_backoff)));
  // A channel argument of its own keeps gRPC from sharing one connection
  // between the links of one process (simulated hosts): every node has its
  // own TCP connection, as real hosts do.
  args.SetString("hetsched.node", node_.name());
  for (absl::string_view target :
       absl::StrSplit(options_.target, ',', absl::SkipEmpty())) {
    targets_.emplace_back(target);
    stubs_.push_back(v1::AgentService::NewStub(grpc::CreateCustomChannel(
        targets_.back(),
        options_.credentials ? options_.credentials
                             : grpc::InsecureChannelCredentials(),
        args)));
  }
  if (targets_.empty()) {  // an empty target: fails to connect, as before
    targets_.push_back(options_.target);
    stubs_.push_back(v1::AgentService::NewStub(grpc::CreateCustomChannel(
        options_.target, grpc::InsecureChannelCredentials(), args)));
  }
}

SchedulerLink::~SchedulerLink() { Stop(); }

void SchedulerLink::Start(LinkHandler* handler) {
  handler_ = handler;
  thread_ = std::thread([this] { ConnectionLoop(); });
  if (targets_.size() > 1) {
    watch_thread_ = std::thread([this] { WatchReplicaLoop(); });
  }
}

void SchedulerLink::Report(const v1::TaskStatus& status) {
  v1::AgentMessage message;
  *message.mutable_task_status() = status;
  {
    std::lock_guard<std::mutex> lock(mu_);
    outbox_.push_back(std::move(message));
  }
  cv_.notify_all();
}

void SchedulerLink::Send(v1::AgentMessage message) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    outbox_.push_back(std::move(message));
  }
  cv_.notify_all();
}

void SchedulerLink::StopAccepting() {
  std::lock_guard<std::mutex> lock(mu_);
  accepting_ = false;
}

void SchedulerLink::SetUnhealthy(const std::string& reason) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (reason == unhealthy_reason_) return;
    unhealthy_reason_ = reason;
    AgentLog(reason.empty() ? std::string("node can take work again")
                            : "node takes no new work: " + reason);
    // Queued, so it goes before a refusal reported after this call; the
    // next registration carries the reason anyway.
    if (connected_.load()) outbox_.push_back(HeartbeatLocked());
  }
  cv_.notify_all();
}

v1::AgentMessage SchedulerLink::HeartbeatLocked() {
  const int64_t sent_ms =
      std::max(ToUnixMillis(options_.clock->Now()), last_heartbeat_ms_ + 1);
  last_heartbeat_ms_ = sent_ms;
  v1::AgentMessage message;
  message.mutable_heartbeat()->set_sent_ms(sent_ms);
  message.mutable_heartbeat()->set_unhealthy_reason(unhealthy_reason_);
  return message;
}

bool SchedulerLink::Flush(absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, absl::ToChronoNanoseconds(timeout),
                      [&] { return outbox_.empty() && !writing_; });
}

void SchedulerLink::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_ && !thread_.joinable()) return;
    stop_ = true;
    if (context_ != nullptr) context_->TryCancel();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (watch_thread_.joinable()) watch_thread_.join();
}

void SchedulerLink::ConnectionLoop() {
  absl::Duration backoff = options_.initial_backoff;
  size_t failed_in_a_row = 0;
  while (true) {
    const bool registered = RunStream();
    if (registered) {
      backoff = options_.initial_backoff;
      failed_in_a_row = 0;
    }
    // With replicas, each is tried once before the backoff grows: one of
    // them leads.
    const bool cycle_done =
        registered || ++failed_in_a_row % targets_.size() == 0;
    std::unique_lock<std::mutex> lock(mu_);
    if (stop_) return;
    // Jitter spreads the reconnects of a whole cluster after a scheduler
    // restart, so they do not all arrive in the same instant.
    const absl::Duration wait =
        cycle_done ? absl::Trunc(backoff * absl::Uniform(bitgen_, 0.5, 1.0),
                                 absl::Milliseconds(1))
                   : kNextReplicaDelay;
    if (cycle_done) {
      AgentLog(absl::StrCat("reconnecting to scheduler ", targets_[current_],
                            " in ", absl::FormatDuration(wait)));
    }
    if (cv_.wait_for(lock, absl::ToChronoNanoseconds(wait),
                     [&] { return stop_; })) {
      return;
    }
    if (cycle_done) backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

bool SchedulerLink::RunStream() {
  grpc::ClientContext context;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) return false;
    context_ = &context;
    stream_broken_ = false;
    stream_started_ms_ = ToUnixMillis(options_.clock->Now());
    gave_up_on_stream_ = false;
    heartbeat_ = kDefaultHeartbeat;
  }
  std::unique_ptr<Stream> stream = stubs_[current_]->Connect(&context);
  v1::AgentMessage hello;
  *hello.mutable_register_()->mutable_node() = node_;
  for (const v1::TaskStatus& running : handler_->RunningTasks()) {
    *hello.mutable_register_()->add_running_tasks() = running;
  }
  {
    // Tasks that ended while no stream carried their end are listed too,
    // with their terminal state: a task missing from the list is LOST to
    // the scheduler, and its end follows on this stream.
    std::lock_guard<std::mutex> lock(mu_);
    hello.mutable_register_()->set_unhealthy_reason(unhealthy_reason_);
    for (const Unconfirmed& u : unconfirmed_) {
      *hello.mutable_register_()->add_running_tasks() = u.status;
    }
    for (const v1::AgentMessage& queued : outbox_) {
      if (queued.has_task_status() &&
          IsTerminal(queued.task_status().state())) {
        *hello.mutable_register_()->add_running_tasks() = queued.task_status();
      }
    }
  }
  bool registered = false;
  v1::SchedulerMessage message;
  absl::Duration interval = kDefaultHeartbeat;
  if (stream->Write(hello) && stream->Read(&message)) {
    if (!message.has_registered()) {
      AgentLog("scheduler answered registration with something else");
    } else if (!message.registered().accepted()) {
      AgentLog("scheduler refused the registration");
    } else {
      registered = true;
      lease_ms_.store(message.registered().node_lease_ms());
      last_contact_ms_.store(ToUnixMillis(options_.clock->Now()));
      if (message.registered().heartbeat_interval_ms() > 0) {
        interval =
            absl::Milliseconds(message.registered().heartbeat_interval_ms());
      }
      if (options_.heartbeat_override > absl::ZeroDuration()) {
        interval = options_.heartbeat_override;
      }
      std::lock_guard<std::mutex> lock(mu_);
      heartbeat_ = interval;
    }
  }
  if (registered) {
    connects_.fetch_add(1);
    connected_.store(true);
    AgentLog(absl::StrCat("registered with scheduler ", targets_[current_],
                          " as ", node_.name(), "; heartbeat every ",
                          absl::FormatDuration(interval)));
    {
      // Terminal statuses written on an earlier stream but never confirmed
      // go first, ahead of what is still queued.
      std::lock_guard<std::mutex> lock(mu_);
      // Reverse iterators: clang 14 cannot compile std::views::reverse.
      for (auto it = unconfirmed_.rbegin(); it != unconfirmed_.rend(); ++it) {
        v1::AgentMessage resend;
        *resend.mutable_task_status() = it->status;
        outbox_.push_front(std::move(resend));
      }
      unconfirmed_.clear();
      heartbeat_seq_.clear();
    }
    std::thread writer([&] { WriterLoop(stream.get(), interval); });
    while (stream->Read(&message)) Dispatch(message);
    {
      std::lock_guard<std::mutex> lock(mu_);
      stream_broken_ = true;
    }
    cv_.notify_all();
    // Read failing means the call is over, so a Write in progress fails
    // too; no cancel here, which would hide the scheduler's status.
    writer.join();
    connected_.store(false);
  } else {
    context.TryCancel();
  }
  const grpc::Status status = stream->Finish();
  {
    std::lock_guard<std::mutex> lock(mu_);
    context_ = nullptr;
  }
  ChooseNextReplica(context);
  if (registered && !status.ok()) {
    AgentLog(
        absl::StrCat("stream to scheduler ended: ", status.error_message()));
  }
  return registered;
}

void SchedulerLink::ChooseNextReplica(const grpc::ClientContext& ended) {
  if (targets_.size() < 2) return;
  const auto& trailers = ended.GetServerTrailingMetadata();
  if (auto it = trailers.find("hetsched-leader"); it != trailers.end()) {
    const std::string leader(it->second.data(), it->second.size());
    for (size_t i = 0; i < targets_.size(); ++i) {
      if (targets_[i] == leader) {
        current_ = i;
        return;
      }
    }
  }
  current_ = (current_ + 1) % targets_.size();
}

void SchedulerLink::WriterLoop(Stream* stream,
                               absl::Duration heartbeat_interval) {
  auto next_heartbeat = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(mu_);
  while (!stream_broken_ && !stop_) {
    v1::AgentMessage message;
    const auto now = std::chrono::steady_clock::now();
    if (!outbox_.empty()) {
      message = std::move(outbox_.front());
      outbox_.pop_front();
      if (message.has_heartbeat()) {
        // Queued a while ago, perhaps on an earlier stream: say what holds.
        message.mutable_heartbeat()->set_unhealthy_reason(unhealthy_reason_);
      }
    } else if (now >= next_heartbeat) {
      message = HeartbeatLocked();
      next_heartbeat = now + absl::ToChronoNanoseconds(heartbeat_interval);
    } else {
      cv_.wait_until(lock, next_heartbeat);
      continue;
    }
    writing_ = true;
    const uint64_t seq = ++write_seq_;
    lock.unlock();
    const bool ok = stream->Write(message);
    lock.lock();
    writing_ = false;
    if (!ok) {
      // Not written: keep it for the next stream.
      if (message.has_task_status()) outbox_.push_front(std::move(message));
      stream_broken_ = true;
      context_->TryCancel();
      break;
    }
    if (message.has_task_status() &&
        IsTerminal(message.task_status().state())) {
      unconfirmed_.push_back({message.task_status(), seq});
    } else if (message.has_heartbeat()) {
      heartbeat_seq_[message.heartbeat().sent_ms()] = seq;
    }
    cv_.notify_all();  // Flush waits for an empty outbox
  }
  cv_.notify_all();
}

absl::Duration SchedulerLink::ReplicaPatience(absl::Duration lease,
                                              absl::Duration heartbeat) {
  const absl::Duration half_lease =
      lease > absl::ZeroDuration() ? lease / 2 : kPatienceBeforeALease;
  return std::max(half_lease, 2 * heartbeat);
}

void SchedulerLink::WatchReplicaLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, absl::ToChronoNanoseconds(kWatchStep));
    if (stop_ || context_ == nullptr || stream_broken_ || gave_up_on_stream_) {
      continue;
    }
    // Heard from at the stream's start at the earliest: a new stream owes
    // its registration answer within the patience too.
    const int64_t heard_ms =
        std::max(stream_started_ms_, last_contact_ms_.load());
    const absl::Duration silent =
        absl::Milliseconds(ToUnixMillis(options_.clock->Now()) - heard_ms);
    const absl::Duration patience =
        options_.replica_patience > absl::ZeroDuration()
            ? options_.replica_patience
            : ReplicaPatience(lease(), heartbeat_);
    if (silent <= patience) continue;
    gave_up_on_stream_ = true;
    AgentLog(absl::StrCat(
        "scheduler ", targets_[current_], " has not answered for ",
        absl::FormatDuration(absl::Trunc(silent, absl::Milliseconds(100))),
        "; trying another replica"));
    context_->TryCancel();
  }
}

absl::Duration SchedulerLink::silent_for() const {
  const int64_t last = last_contact_ms_.load();
  if (last == 0) return absl::ZeroDuration();
  return absl::Milliseconds(ToUnixMillis(options_.clock->Now()) - last);
}

void SchedulerLink::OnHeartbeatAck(int64_t sent_ms) {
  last_contact_ms_.store(ToUnixMillis(options_.clock->Now()));
  const int64_t rtt_ms = ToUnixMillis(options_.clock->Now()) - sent_ms;
  rtt_ms_.store(rtt_ms);
  if (options_.on_round_trip && rtt_ms >= 0) {
    options_.on_round_trip(absl::Milliseconds(rtt_ms));
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = heartbeat_seq_.find(sent_ms);
  if (it == heartbeat_seq_.end()) return;
  const uint64_t seq = it->second;
  // Everything written before this heartbeat was read by the scheduler.
  std::erase_if(unconfirmed_,
                [&](const Unconfirmed& u) { return u.seq < seq; });
  heartbeat_seq_.erase(heartbeat_seq_.begin(), std::next(it));
}

void SchedulerLink::Dispatch(const v1::SchedulerMessage& message) {
  switch (message.body_case()) {
    case v1::SchedulerMessage::kAssign: {
      bool accepting;
      {
        std::lock_guard<std::mutex> lock(mu_);
        accepting = accepting_;
      }
      std::string refusal = accepting ? "" : "agent is shutting down";
      if (accepting && options_.health_check) {
        const std::string unhealthy = options_.health_check();
        if (!unhealthy.empty()) {
          SetUnhealthy(unhealthy);  // the scheduler learns it first
          refusal = "node cannot take work: " + unhealthy;
        }
      }
      if (refusal.empty()) {
        handler_->OnAssign(message.assign());
      } else {
        v1::TaskStatus refused;
        refused.set_task_id(message.assign().task_id());
        refused.set_job_id(message.assign().job_id());
        refused.set_state(v1::TASK_STATE_PREEMPTED);
        refused.set_message(refusal);
        refused.set_time_ms(ToUnixMillis(options_.clock->Now()));
        Report(refused);
      }
      break;
    }
    case v1::SchedulerMessage::kKill:
      handler_->OnKill(message.kill());
      break;
    case v1::SchedulerMessage::kSignalTask:
      handler_->OnSignal(message.signal_task());
      break;
    case v1::SchedulerMessage::kHeartbeatAck:
      OnHeartbeatAck(message.heartbeat_ack().sent_ms());
      break;
    case v1::SchedulerMessage::kCalibrate:
      handler_->OnCalibrate(message.calibrate());
      break;
    case v1::SchedulerMessage::kCollective:
      handler_->OnCollective(message.collective());
      break;
    case v1::SchedulerMessage::kRegistered:  // only the first answer's
    default:  // a newer scheduler's message this agent does not know
      break;
  }
}

}  // namespace hetsched::agent
