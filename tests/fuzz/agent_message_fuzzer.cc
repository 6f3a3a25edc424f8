// Fuzzes the control plane's handling of what a registered agent sends.
//
// Each input is a session on a fresh control plane (in-memory store, fake
// clock) with two registered 8 x H100 nodes, h0 and h1, and one placed
// two-replica job j-000001 (tasks j-000001-r0-a0 and j-000001-r1-a0). The
// input is a list of AgentMessages separated by lines of "---", each in
// protobuf text form or, failing that, binary form. Messages come from h0,
// dispatched as scheduler/server/agent_service.cc does, until one of them
// registers: from then on they come from the node it registered. The fake
// clock moves one second and the scheduler runs a pass after each message.
// It aborts if, afterwards, a node is booked beyond its accelerators or the
// store failed.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/text_format.h"
#include "hetsched/v1/agent.pb.h"
#include "scheduler/control/cluster_snapshot.h"
#include "scheduler/control/control_plane.h"
#include "scheduler/store/memory_store.h"

namespace {

using hetsched::v1::AgentMessage;

class DiscardSink final : public hetsched::control::AgentSink {
 public:
  void Send(const hetsched::v1::SchedulerMessage&) override {}
};

hetsched::v1::RegisterRequest Host(const std::string& name) {
  hetsched::v1::RegisterRequest r;
  r.mutable_node()->set_name(name);
  r.mutable_node()->set_agent_address("127.0.0.1:1");
  for (int i = 0; i < 8; ++i) {
    auto* a = r.mutable_node()->add_accelerators();
    a->set_index(i);
    a->set_kind("nvidia/h100");
  }
  return r;
}

hetsched::v1::JobSpec TwoReplicas() {
  hetsched::v1::JobSpec spec;
  spec.set_name("train");
  spec.set_owner("ml");
  auto* g = spec.add_task_groups();
  g->set_name("workers");
  g->set_replicas(2);
  g->mutable_accelerators()->set_count(8);
  g->add_command("true");
  return spec;
}

// The text parser logs every error to stderr; stay quiet.
class SilentErrors final : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int, google::protobuf::io::ColumnNumber,
                const std::string&) override {}
};

std::vector<AgentMessage> ParseSession(const std::string& input) {
  std::vector<AgentMessage> out;
  for (absl::string_view chunk : absl::StrSplit(input, "\n---\n")) {
    AgentMessage m;
    SilentErrors silent;
    google::protobuf::TextFormat::Parser parser;
    parser.AllowPartialMessage(true);
    parser.RecordErrorsTo(&silent);
    if (parser.ParseFromString(std::string(chunk), &m) ||
        m.ParseFromArray(chunk.data(), static_cast<int>(chunk.size()))) {
      out.push_back(std::move(m));
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Binary parsing logs every string that is not UTF-8; stay quiet.
  static const bool quiet = [] {
    google::protobuf::SetLogHandler(nullptr);
    return true;
  }();
  (void)quiet;
  if (size > 64 * 1024) return 0;
  const std::vector<AgentMessage> session =
      ParseSession(std::string(reinterpret_cast<const char*>(data), size));
  if (session.empty()) return 0;

  hetsched::store::MemoryStore store;
  hetsched::FakeClock clock(absl::FromUnixSeconds(1000));
  hetsched::control::ControlPlaneOptions options;
  auto cp = hetsched::control::ControlPlane::Create(options, &store, &clock);
  if (!cp.ok()) abort();
  auto& control = **cp;
  std::vector<std::shared_ptr<DiscardSink>> sinks;
  for (const char* name : {"h0", "h1"}) {
    sinks.push_back(std::make_shared<DiscardSink>());
    if (!control.RegisterAgent(Host(name), sinks.back()).ok()) abort();
  }
  if (!control.SubmitJob(TwoReplicas()).ok()) abort();
  control.Tick();

  std::string node = "h0";
  for (const AgentMessage& m : session) {
    if (m.has_register_()) {
      sinks.push_back(std::make_shared<DiscardSink>());
      if (control.RegisterAgent(m.register_(), sinks.back()).ok()) {
        node = m.register_().node().name();
      }
    } else if (m.has_heartbeat()) {
      (void)control.Heartbeat(node, m.heartbeat());
    } else if (m.has_task_status()) {
      (void)control.ReportTaskStatus(node, m.task_status());
    } else if (m.has_calibration()) {
      (void)control.ReportCalibration(node, m.calibration());
    } else if (m.has_collective()) {
      (void)control.ReportCollective(node, m.collective());
    } else if (m.has_progress()) {
      (void)control.ReportTaskProgress(node, m.progress());
    }
    clock.Advance(absl::Seconds(1));
    control.Tick();
  }
  // What operators and users read must still be answerable, and no node
  // may hold more accelerators than it has (no double booking).
  auto nodes = control.ListNodes({});
  if (!nodes.ok()) abort();
  for (const auto& n : nodes->nodes()) {
    if (n.accelerators_allocated() >
        static_cast<uint32_t>(n.info().accelerators_size())) {
      abort();
    }
  }
  (void)control.ListJobs({});
  (void)control.Snapshot();
  if (!control.store_status().ok()) abort();
  return 0;
}
