#include "scheduler/store/etcd_store.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"

namespace hetsched::store {
namespace {

// Keys read per Range call while loading.
constexpr int64_t kLoadPageKeys = 500;
// etcd refuses a request over 1.5 MiB by default; leave room for keys and
// framing.
constexpr size_t kMaxTxnBytes = 1 << 20;

class EtcdStore final : public StateStore {
 public:
  EtcdStore(EtcdClient* client, LeaderFence fence)
      : client_(client),
        prefix_(client->options().prefix),
        fence_(std::move(fence)) {}

  absl::Status Write(const WriteBatch& batch) override {
    if (batch.empty()) return absl::OkStatus();
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<etcdserverpb::RequestOp> ops = Operations(batch);
    const size_t max_ops =
        static_cast<size_t>(std::max(1, client_->options().max_txn_ops));
    size_t begin = 0;
    while (begin < ops.size()) {
      size_t end = begin;
      size_t bytes = 0;
      while (
          end < ops.size() && end - begin < max_ops &&
          (end == begin || bytes + ops[end].ByteSizeLong() <= kMaxTxnBytes)) {
        bytes += ops[end].ByteSizeLong();
        ++end;
      }
      if (absl::Status s = Commit(ops, begin, end); !s.ok()) return s;
      begin = end;
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<v1::Job>> LoadJobs() override {
    auto jobs = LoadPrefix<v1::Job>(prefix_ + "jobs/");
    if (!jobs.ok()) return jobs.status();
    // The order SQLite gives: by submission, then id.
    std::sort(jobs->begin(), jobs->end(),
              [](const v1::Job& a, const v1::Job& b) {
                return std::make_pair(a.submit_time_ms(), a.id()) <
                       std::make_pair(b.submit_time_ms(), b.id());
              });
    return jobs;
  }

  absl::StatusOr<std::vector<v1::Node>> LoadNodes() override {
    return LoadPrefix<v1::Node>(prefix_ + "nodes/");  // keys sort by name
  }

  absl::StatusOr<std::vector<v1::JobEvent>> LoadEvents(
      const std::string& job_id) override {
    return LoadPrefix<v1::JobEvent>(EventPrefix(job_id));
  }

  absl::StatusOr<std::map<std::string, std::vector<v1::JobEvent>>>
  LoadAllEvents() override {
    // Keys sort by job, then by epoch and counter: each job's in order.
    ASSIGN_OR_RETURN(auto events,
                     LoadPrefix<v1::JobEvent>(prefix_ + "events/"));
    return GroupByJob(std::move(events));
  }

  absl::StatusOr<std::vector<v1::Job>> LoadRetired() override {
    return LoadPrefix<v1::Job>(prefix_ + "retired/");
  }

 private:
  std::string EventPrefix(const std::string& job_id) const {
    return absl::StrCat(prefix_, "events/", job_id, "/");
  }

  // One operation per key, in the batch's order; a later write of a key
  // replaces an earlier one (etcd refuses a key twice in a transaction).
  std::vector<etcdserverpb::RequestOp> Operations(const WriteBatch& batch) {
    std::vector<etcdserverpb::RequestOp> ops;
    std::map<std::string, size_t> by_key;
    const auto put = [&](std::string key, std::string value) {
      etcdserverpb::RequestOp op;
      op.mutable_request_put()->set_key(key);
      op.mutable_request_put()->set_value(std::move(value));
      Place(std::move(key), std::move(op), ops, by_key);
    };
    for (const auto& job : batch.jobs) {
      put(absl::StrCat(prefix_, "jobs/", job.id()), job.SerializeAsString());
    }
    for (const auto& name : batch.deleted_nodes) {
      etcdserverpb::RequestOp op;
      std::string key = absl::StrCat(prefix_, "nodes/", name);
      op.mutable_request_delete_range()->set_key(key);
      Place(std::move(key), std::move(op), ops, by_key);
    }
    for (const auto& node : batch.nodes) {
      put(absl::StrCat(prefix_, "nodes/", node.info().name()),
          node.SerializeAsString());
    }
    std::set<std::string> retired;
    for (const auto& summary : batch.retired_jobs) retired.insert(summary.id());
    for (const auto& event : batch.events) {
      // A retired job's events go; etcd refuses a put inside a range the
      // same transaction deletes.
      if (retired.count(event.job_id()) != 0) continue;
      // The epoch (this leadership's revision) orders events across
      // leaders; the counter within one.
      put(absl::StrCat(EventPrefix(event.job_id()),
                       absl::StrFormat("%016x%016x", fence_.create_revision,
                                       ++event_counter_)),
          event.SerializeAsString());
    }
    for (const auto& summary : batch.retired_jobs) {
      etcdserverpb::RequestOp job;
      std::string key = absl::StrCat(prefix_, "jobs/", summary.id());
      job.mutable_request_delete_range()->set_key(key);
      Place(std::move(key), std::move(job), ops, by_key);
      etcdserverpb::RequestOp events;
      const std::string events_prefix = EventPrefix(summary.id());
      events.mutable_request_delete_range()->set_key(events_prefix);
      events.mutable_request_delete_range()->set_range_end(
          PrefixRangeEnd(events_prefix));
      Place(events_prefix, std::move(events), ops, by_key);
      put(absl::StrCat(prefix_, "retired/", summary.id()),
          summary.SerializeAsString());
    }
    return ops;
  }

  static void Place(std::string key, etcdserverpb::RequestOp op,
                    std::vector<etcdserverpb::RequestOp>& ops,
                    std::map<std::string, size_t>& by_key) {
    auto [it, inserted] = by_key.try_emplace(std::move(key), ops.size());
    if (inserted) {
      ops.push_back(std::move(op));
    } else {
      ops[it->second] = std::move(op);
    }
  }

  absl::Status Commit(const std::vector<etcdserverpb::RequestOp>& ops,
                      size_t begin, size_t end) {
    etcdserverpb::TxnRequest txn;
    etcdserverpb::Compare* fence = txn.add_compare();
    fence->set_key(fence_.key);
    fence->set_target(etcdserverpb::Compare::CREATE);
    fence->set_result(etcdserverpb::Compare::EQUAL);
    fence->set_create_revision(fence_.create_revision);
    for (size_t i = begin; i < end; ++i) *txn.add_success() = ops[i];
    auto response = client_->Txn(txn);
    if (!response.ok()) {
      return absl::UnavailableError(
          absl::StrCat("store: ", response.status().message()));
    }
    if (!response->succeeded()) {
      return absl::FailedPreconditionError(
          absl::StrCat("store: this scheduler no longer leads (", fence_.key,
                       " is not the key it created at revision ",
                       fence_.create_revision, "); nothing more is written"));
    }
    return absl::OkStatus();
  }

  // Every message under `key_prefix`, in key order, read at one revision.
  template <typename Message>
  absl::StatusOr<std::vector<Message>> LoadPrefix(
      const std::string& key_prefix) {
    std::vector<Message> out;
    etcdserverpb::RangeRequest request;
    request.set_key(key_prefix);
    request.set_range_end(PrefixRangeEnd(key_prefix));
    request.set_limit(kLoadPageKeys);
    while (true) {
      auto page = client_->Range(request);
      if (!page.ok()) {
        return absl::UnavailableError(
            absl::StrCat("store: ", page.status().message()));
      }
      for (const auto& kv : page->kvs()) {
        Message m;
        if (!m.ParseFromString(kv.value())) {
          return absl::DataLossError(
              absl::StrCat("store: ", kv.key(), " does not parse"));
        }
        out.push_back(std::move(m));
      }
      if (!page->more() || page->kvs().empty()) return out;
      // Later pages at the first page's revision: one consistent view.
      request.set_revision(page->header().revision());
      request.set_key(page->kvs().rbegin()->key() + std::string(1, '\0'));
    }
  }

  EtcdClient* const client_;
  const std::string prefix_;
  const LeaderFence fence_;
  std::mutex mu_;  // one writer at a time: batches land in order
  uint64_t event_counter_ = 0;
};

}  // namespace

std::unique_ptr<StateStore> OpenEtcdStore(EtcdClient* client,
                                          LeaderFence fence) {
  return std::make_unique<EtcdStore>(client, std::move(fence));
}

}  // namespace hetsched::store
