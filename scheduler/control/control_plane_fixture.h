// The control plane over a real SQLite store in a temp dir, a fake clock
// and two 8 x H100 agents whose messages are recorded: the fixture of the
// control plane's tests. Test-only.
#pragma once

#include <stdlib.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "scheduler/control/control_plane.h"

namespace hetsched::control::testing {

// Records what the control plane sends; safe to read from a test thread.
class RecordingSink : public AgentSink {
 public:
  void Send(const v1::SchedulerMessage& m) override {
    std::lock_guard<std::mutex> lock(mu_);
    messages_.push_back(m);
  }
  std::vector<v1::SchedulerMessage> Messages() const {
    std::lock_guard<std::mutex> lock(mu_);
    return messages_;
  }
  std::vector<v1::TaskAssignment> Assignments() const {
    std::vector<v1::TaskAssignment> out;
    for (const auto& m : Messages()) {
      if (m.has_assign()) out.push_back(m.assign());
    }
    return out;
  }
  std::vector<v1::KillTask> Kills() const {
    std::vector<v1::KillTask> out;
    for (const auto& m : Messages()) {
      if (m.has_kill()) out.push_back(m.kill());
    }
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::vector<v1::SchedulerMessage> messages_;
};

// Polls `done` until it holds or five seconds pass: how tests wait for
// another thread to reach a state, never by sleeping.
template <typename Fn>
bool Eventually(Fn done) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

inline v1::RegisterRequest Host(const std::string& name,
                                const std::string& kind, int count) {
  v1::RegisterRequest r;
  r.mutable_node()->set_name(name);
  r.mutable_node()->set_agent_address("127.0.0.1:4" + std::to_string(count));
  for (int i = 0; i < count; ++i) {
    auto* a = r.mutable_node()->add_accelerators();
    a->set_index(i);
    a->set_kind(kind);
  }
  return r;
}

inline v1::JobSpec Gang(int replicas, int per_replica, uint32_t retries = 0) {
  v1::JobSpec spec;
  spec.set_name("train");
  spec.set_owner("ml");
  spec.mutable_retry()->set_max_retries(retries);
  auto* g = spec.add_task_groups();
  g->set_name("workers");
  g->set_replicas(replicas);
  g->mutable_accelerators()->set_count(per_replica);
  g->add_command("true");
  return spec;
}

class ControlPlaneTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "/cpXXXXXX";
    dir_ = mkdtemp(tmpl.data());
    Open();
    ASSERT_TRUE(cp_->RegisterAgent(Host("h0", "nvidia/h100", 8), h0_).ok());
    ASSERT_TRUE(cp_->RegisterAgent(Host("h1", "nvidia/h100", 8), h1_).ok());
  }

  void Open() {
    cp_.reset();
    store_.reset();
    store_ = std::move(store::StateStore::OpenSqlite(dir_).value());
    ControlPlaneOptions options;
    options.node_lost_timeout = absl::Seconds(20);
    cp_ =
        std::move(ControlPlane::Create(options, store_.get(), &clock_).value());
  }

  void Report(const std::string& node, const v1::TaskAssignment& a,
              v1::TaskState state, int exit_code = 0) {
    v1::TaskStatus s;
    s.set_task_id(a.task_id());
    s.set_job_id(a.job_id());
    s.set_state(state);
    s.set_exit_code(exit_code);
    ASSERT_TRUE(cp_->ReportTaskStatus(node, s).ok());
  }

  v1::JobState StateOf(const std::string& id) {
    return cp_->GetJob(id).value().state();
  }

  std::string dir_;
  FakeClock clock_{absl::FromUnixSeconds(1000)};
  std::unique_ptr<store::StateStore> store_;
  std::unique_ptr<ControlPlane> cp_;
  std::shared_ptr<RecordingSink> h0_ = std::make_shared<RecordingSink>();
  std::shared_ptr<RecordingSink> h1_ = std::make_shared<RecordingSink>();
};

}  // namespace hetsched::control::testing
