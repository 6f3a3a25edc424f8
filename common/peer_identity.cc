#include "common/peer_identity.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "grpc/grpc_security_constants.h"

namespace hetsched {
namespace {

std::string FirstProperty(const grpc::AuthContext& auth, const char* name) {
  const auto values = auth.FindPropertyValues(name);
  if (values.empty()) return "";
  return std::string(values.front().data(), values.front().size());
}

}  // namespace

PeerIdentity IdentityOf(const grpc::ServerContextBase& ctx) {
  PeerIdentity peer;
  const auto auth = ctx.auth_context();
  if (auth == nullptr || !auth->IsPeerAuthenticated()) return peer;
  peer.common_name = FirstProperty(*auth, GRPC_X509_CN_PROPERTY_NAME);
  peer.organizations = OrganizationsOfSubject(
      FirstProperty(*auth, GRPC_X509_SUBJECT_PROPERTY_NAME));
  return peer;
}

std::vector<std::string> OrganizationsOfSubject(const std::string& subject) {
  std::vector<std::string> organizations;
  std::string part;
  const auto take = [&] {
    if (absl::StartsWith(part, "O=")) organizations.push_back(part.substr(2));
    part.clear();
  };
  for (size_t i = 0; i < subject.size(); ++i) {
    const char c = subject[i];
    if (c == '\\' && i + 1 < subject.size()) {
      part += subject[++i];
    } else if (c == ',' || c == '+') {  // '+' joins multi-valued RDNs
      take();
    } else {
      part += c;
    }
  }
  take();
  return organizations;
}

std::optional<std::string> NodeNameOf(const PeerIdentity& peer) {
  const bool in_nodes =
      std::find(peer.organizations.begin(), peer.organizations.end(),
                kNodesOrganization) != peer.organizations.end();
  if (!in_nodes || !absl::StartsWith(peer.common_name, kNodeCommonNamePrefix)) {
    return std::nullopt;
  }
  std::string name = peer.common_name.substr(sizeof(kNodeCommonNamePrefix) - 1);
  if (name.empty()) return std::nullopt;
  return name;
}

}  // namespace hetsched
