// Who is on the other end of a mutual-TLS call, from its client
// certificate, in Kubernetes' node-authorizer model: an agent's
// certificate says O=system:nodes, CN=system:node:NAME; the scheduler's
// (as a client of agents' log services) CN=system:scheduler; a user's CN
// is the user's name. Without TLS every field is empty.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "grpcpp/server_context.h"

namespace hetsched {

inline constexpr char kNodesOrganization[] = "system:nodes";
inline constexpr char kNodeCommonNamePrefix[] = "system:node:";
inline constexpr char kSchedulerCommonName[] = "system:scheduler";

struct PeerIdentity {
  std::string common_name;                 // CN
  std::vector<std::string> organizations;  // every O= of the subject
};

PeerIdentity IdentityOf(const grpc::ServerContextBase& ctx);

// The organizations in an RFC 2253 subject ("CN=a,O=system:nodes"), with
// escaped commas ("O=a\, b") kept inside their value.
std::vector<std::string> OrganizationsOfSubject(const std::string& subject);

// NAME when the identity is a node's certificate (both the organization
// and the CN prefix); nullopt for anyone else.
std::optional<std::string> NodeNameOf(const PeerIdentity& peer);

}  // namespace hetsched
