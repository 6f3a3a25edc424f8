#!/usr/bin/env bash
# Writes a throwaway CA and certificates it signs into DIR: ca.pem; node.pem
# and node.key (CN hetsched-node, for 127.0.0.1 and localhost, server and
# client); alice.pem/.key and bob.pem/.key (client only, CN alice / bob).
# For the TLS integration test only; never for real use.
set -euo pipefail
dir=$1
mkdir -p "$dir"
cd "$dir"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=hetsched test CA" \
  -keyout ca.key -out ca.pem -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

# NAME CN EXTENSIONS...: NAME.key and NAME.pem signed by the CA.
issue() {
  local name=$1 cn=$2
  shift 2
  openssl req -newkey rsa:2048 -nodes -subj "/CN=${cn}" \
    -keyout "${name}.key" -out "${name}.csr" 2>/dev/null
  printf '%s\n' "$@" >"${name}.ext"
  openssl x509 -req -in "${name}.csr" -CA ca.pem -CAkey ca.key \
    -CAcreateserial -days 2 -extfile "${name}.ext" -out "${name}.pem" 2>/dev/null
}
issue node hetsched-node "subjectAltName=IP:127.0.0.1,DNS:localhost" \
  "extendedKeyUsage=serverAuth,clientAuth"
issue alice alice "extendedKeyUsage=clientAuth"
issue bob bob "extendedKeyUsage=clientAuth"
