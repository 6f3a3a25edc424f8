#include "common/tls.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"

namespace hetsched {
namespace {

absl::StatusOr<std::string> ReadPem(const std::string& flag,
                                    const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": cannot read ", path, ": ", std::strerror(errno)));
  }
  std::stringstream text;
  text << in.rdbuf();
  if (text.str().find("-----BEGIN ") == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": ", path, " holds no PEM block"));
  }
  return text.str();
}

}  // namespace

absl::StatusOr<TlsCredentials> LoadTlsCredentials(const TlsFiles& files,
                                                  const std::string& flags) {
  TlsCredentials creds;
  if (!files.enabled()) {
    creds.server = grpc::InsecureServerCredentials();
    creds.channel = grpc::InsecureChannelCredentials();
    return creds;
  }
  const std::string ca_flag = flags + "-ca";
  const std::string cert_flag = flags + "-cert";
  const std::string key_flag = flags + "-key";
  const std::pair<const std::string&, const std::string*> named[] = {
      {ca_flag, &files.ca}, {cert_flag, &files.cert}, {key_flag, &files.key}};
  for (const auto& [flag, path] : named) {
    if (path->empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          flag, ": required with the other ", flags, "-* flags (mutual TLS)"));
    }
  }
  auto ca = ReadPem(ca_flag, files.ca);
  if (!ca.ok()) return ca.status();
  auto cert = ReadPem(cert_flag, files.cert);
  if (!cert.ok()) return cert.status();
  auto key = ReadPem(key_flag, files.key);
  if (!key.ok()) return key.status();

  if (files.reload_interval_s > 0) {
    // One watcher per file set, shared by the server and the channels.
    auto provider =
        std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
            files.key, files.cert, files.ca,
            static_cast<unsigned>(files.reload_interval_s));
    grpc::experimental::TlsServerCredentialsOptions server(provider);
    server.watch_root_certs();
    server.watch_identity_key_cert_pairs();
    server.set_cert_request_type(
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    creds.server = grpc::experimental::TlsServerCredentials(server);
    grpc::experimental::TlsChannelCredentialsOptions channel;
    channel.set_certificate_provider(provider);
    channel.watch_root_certs();
    channel.watch_identity_key_cert_pairs();
    creds.channel = grpc::experimental::TlsCredentials(channel);
    creds.mutual_tls = true;
    return creds;
  }
  grpc::SslServerCredentialsOptions server(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  server.pem_root_certs = *ca;
  server.pem_key_cert_pairs.push_back({*key, *cert});
  creds.server = grpc::SslServerCredentials(server);

  grpc::SslCredentialsOptions channel;
  channel.pem_root_certs = *ca;
  channel.pem_private_key = *key;
  channel.pem_cert_chain = *cert;
  creds.channel = grpc::SslCredentials(channel);
  creds.mutual_tls = true;
  return creds;
}

bool IsLoopbackAddress(const std::string& address) {
  if (absl::StartsWith(address, "unix:")) return true;
  // HOST:PORT, [V6]:PORT or a bare host.
  std::string host = address;
  if (absl::StartsWith(host, "[")) {
    host = host.substr(1, host.find(']') == std::string::npos
                              ? std::string::npos
                              : host.find(']') - 1);
  } else if (std::count(host.begin(), host.end(), ':') == 1) {
    host.resize(host.find(':'));  // exactly one ':' is there
  }
  return host == "localhost" || host == "::1" || absl::StartsWith(host, "127.");
}

absl::Status CheckPlaintextListen(const std::string& flag,
                                  const std::string& address, bool tls,
                                  bool allow_plaintext) {
  if (tls || allow_plaintext || IsLoopbackAddress(address)) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      flag, ": ", address,
      " is reachable from other hosts and TLS is off; give --tls-ca, "
      "--tls-cert and --tls-key, or pass --insecure-allow-plaintext"));
}

}  // namespace hetsched
