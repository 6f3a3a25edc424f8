#include "scheduler/store/etcd_client.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "grpcpp/grpcpp.h"

namespace hetsched::store {
namespace {

// A Range page of jobs can be large; etcd itself caps a request at
// 1.5 MiB by default but answers can be bigger.
constexpr int kMaxReceiveBytes = 256 << 20;

absl::Status FromGrpc(const grpc::Status& s, const std::string& endpoint,
                      const char* what) {
  if (s.ok()) return absl::OkStatus();
  return absl::Status(
      static_cast<absl::StatusCode>(s.error_code()),
      absl::StrCat("etcd ", endpoint, ": ", what, ": ", s.error_message()));
}

bool TryNextMember(absl::StatusCode code) {
  return code == absl::StatusCode::kUnavailable ||
         code == absl::StatusCode::kDeadlineExceeded;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ParseEtcdEndpoints(
    const std::string& list) {
  std::vector<std::string> out;
  for (absl::string_view raw : absl::StrSplit(list, ',')) {
    std::string entry(absl::StripAsciiWhitespace(raw));
    // etcd's own tools print endpoints as URLs; accept http:// too.
    if (absl::StartsWith(entry, "https://")) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--etcd-endpoints: ", entry,
          ": give HOST:PORT and the --etcd-ca/--etcd-cert/--etcd-key flags "
          "for TLS"));
    }
    absl::string_view view(entry);
    absl::ConsumePrefix(&view, "http://");
    const size_t colon = view.rfind(':');
    int port = 0;
    if (view.empty() || colon == absl::string_view::npos || colon == 0 ||
        !absl::SimpleAtoi(view.substr(colon + 1), &port) || port <= 0 ||
        port > 65535) {
      return absl::InvalidArgumentError(
          absl::StrCat("--etcd-endpoints: \"", entry, "\" is not HOST:PORT"));
    }
    out.emplace_back(view);
  }
  return out;
}

std::string PrefixRangeEnd(const std::string& prefix) {
  std::string end = prefix;
  while (!end.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(end.back());
    if (last < 0xff) {
      ++last;
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');  // every key
}

absl::StatusOr<std::unique_ptr<EtcdClient>> EtcdClient::Connect(
    EtcdOptions options) {
  if (options.endpoints.empty()) {
    return absl::InvalidArgumentError("--etcd-endpoints: required");
  }
  if (options.prefix.empty()) {
    return absl::InvalidArgumentError("--etcd-prefix: must not be empty");
  }
  std::unique_ptr<EtcdClient> client(new EtcdClient(std::move(options)));
  auto creds = client->options_.credentials
                   ? client->options_.credentials
                   : grpc::InsecureChannelCredentials();
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxReceiveBytes);
  // A member that comes back (a restart, a healed partition) is used again
  // within a couple of seconds, not after gRPC's two-minute backoff.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  for (const auto& endpoint : client->options_.endpoints) {
    auto channel = grpc::CreateCustomChannel(endpoint, creds, args);
    client->members_.push_back({endpoint, etcdserverpb::KV::NewStub(channel),
                                etcdserverpb::Lease::NewStub(channel)});
  }
  return client;
}

template <typename Call>
absl::Status EtcdClient::OnAnyMember(const char* what, Call call) {
  absl::Status last;
  const size_t first = current_.load();
  for (size_t i = 0; i < members_.size(); ++i) {
    const size_t index = (first + i) % members_.size();
    Member& member = members_[index];
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         absl::ToChronoMilliseconds(options_.call_timeout));
    // A member that has lost its quorum answers at once ("etcdserver: no
    // leader", UNAVAILABLE) instead of holding the call to its deadline.
    context.AddMetadata("hasleader", "true");
    last = FromGrpc(call(member, &context), member.endpoint, what);
    if (last.ok() || !TryNextMember(last.code())) {
      current_.store(index);
      return last;
    }
  }
  return last;
}

absl::StatusOr<etcdserverpb::TxnResponse> EtcdClient::Txn(
    const etcdserverpb::TxnRequest& request) {
  etcdserverpb::TxnResponse response;
  absl::Status s = OnAnyMember("txn", [&](Member& m, grpc::ClientContext* c) {
    return m.kv->Txn(c, request, &response);
  });
  if (!s.ok()) return s;
  return response;
}

absl::StatusOr<etcdserverpb::RangeResponse> EtcdClient::Range(
    const etcdserverpb::RangeRequest& request) {
  etcdserverpb::RangeResponse response;
  absl::Status s = OnAnyMember("range", [&](Member& m, grpc::ClientContext* c) {
    return m.kv->Range(c, request, &response);
  });
  if (!s.ok()) return s;
  return response;
}

absl::StatusOr<etcdserverpb::LeaseGrantResponse> EtcdClient::LeaseGrant(
    absl::Duration ttl) {
  etcdserverpb::LeaseGrantRequest request;
  request.set_ttl(std::max<int64_t>(1, absl::ToInt64Seconds(ttl)));
  etcdserverpb::LeaseGrantResponse response;
  absl::Status s =
      OnAnyMember("lease grant", [&](Member& m, grpc::ClientContext* c) {
        return m.lease->LeaseGrant(c, request, &response);
      });
  if (!s.ok()) return s;
  if (!response.error().empty()) {
    return absl::UnavailableError(
        absl::StrCat("etcd: lease grant: ", response.error()));
  }
  return response;
}

absl::Status EtcdClient::LeaseRevoke(int64_t lease) {
  etcdserverpb::LeaseRevokeRequest request;
  request.set_id(lease);
  etcdserverpb::LeaseRevokeResponse response;
  return OnAnyMember("lease revoke", [&](Member& m, grpc::ClientContext* c) {
    return m.lease->LeaseRevoke(c, request, &response);
  });
}

absl::StatusOr<absl::Duration> EtcdClient::LeaseKeepAliveOnce(int64_t lease) {
  etcdserverpb::LeaseKeepAliveRequest request;
  request.set_id(lease);
  etcdserverpb::LeaseKeepAliveResponse response;
  bool answered = false;
  absl::Status s =
      OnAnyMember("lease keep-alive", [&](Member& m, grpc::ClientContext* c) {
        auto stream = m.lease->LeaseKeepAlive(c);
        answered = stream->Write(request) && stream->Read(&response);
        stream->WritesDone();
        c->TryCancel();  // one round trip is all we wanted
        grpc::Status status = stream->Finish();
        if (answered) return grpc::Status::OK;
        return status.ok() ? grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                          "stream ended without an answer")
                           : status;
      });
  if (!s.ok()) return s;
  // etcd answers a TTL of 0 (or less) for a lease it no longer holds.
  if (response.ttl() <= 0) {
    return absl::NotFoundError(
        absl::StrCat("etcd: lease ", lease, " has expired"));
  }
  return absl::Seconds(response.ttl());
}

}  // namespace hetsched::store
