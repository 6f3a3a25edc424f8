// Transport security for every hetsched connection (scheduler, agents, their
// log services, the CLI): one CA that signs every hetsched certificate, and
// each process's own certificate and key, given by --tls-ca, --tls-cert and
// --tls-key. With none of them, connections are plaintext (a trusted network
// or a demo on one host). With them, it is mutual TLS: servers require a
// client certificate signed by the CA, clients verify the server's.
// Daemons re-read the three files every `reload_interval_s` (gRPC's file
// watcher): a rotated certificate serves the next handshake, and no
// connection or process is restarted for it. Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"

namespace hetsched {

struct TlsFiles {
  std::string ca;    // PEM: the CA that signed every hetsched certificate
  std::string cert;  // PEM: this process's certificate (chain)
  std::string key;   // PEM: its private key
  // > 0: re-read the files this often (daemons); 0: read them once (the
  // CLI, which lives for one command).
  int reload_interval_s = 0;

  bool enabled() const { return !ca.empty() || !cert.empty() || !key.empty(); }
};

struct TlsCredentials {
  std::shared_ptr<grpc::ServerCredentials> server;
  std::shared_ptr<grpc::ChannelCredentials> channel;
  bool mutual_tls = false;  // false: plaintext
};

// Plaintext credentials when no file is named; otherwise all three files
// must be readable. INVALID_ARGUMENT names the flag and the reason
// ("--tls-key: cannot read /etc/hetsched/key.pem: No such file or
// directory", "--tls-cert: required with --tls-ca"). `flags` names the
// family in errors: "--etcd" for --etcd-ca, --etcd-cert and --etcd-key.
// The files are checked now either way; with `reload_interval_s`, gRPC's
// watcher keeps the last set it loaded when a file cannot be read (replace
// them by rename, so that no refresh sees a half-written one).
absl::StatusOr<TlsCredentials> LoadTlsCredentials(
    const TlsFiles& files, const std::string& flags = "--tls");

// True for addresses only this host can reach: 127.0.0.0/8, ::1,
// localhost, and unix: sockets.
bool IsLoopbackAddress(const std::string& address);

// A plaintext server may listen only on loopback unless the operator
// passes --insecure-allow-plaintext: anyone who reaches the port could act
// as any user. INVALID_ARGUMENT names `flag` ("--listen") otherwise.
absl::Status CheckPlaintextListen(const std::string& flag,
                                  const std::string& address, bool tls,
                                  bool allow_plaintext);

}  // namespace hetsched
