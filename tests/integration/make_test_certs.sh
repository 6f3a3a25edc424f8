#!/usr/bin/env bash
# Writes a throwaway CA and certificates it signs into DIR, in the roles
# docs/operations.md describes: ca.pem; scheduler.pem/.key (CN
# system:scheduler, server and client, for 127.0.0.1 and localhost);
# node-NAME.pem/.key for each NAME given (O=system:nodes,
# CN=system:node:NAME, server and client); admin, alice and bob (client
# only, CN = the name). For integration tests only; never for real use.
# Usage: make_test_certs.sh DIR [NODE...]
set -euo pipefail
dir=$1
shift
mkdir -p "$dir"
cd "$dir"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=hetsched test CA" \
  -keyout ca.key -out ca.pem -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

# NAME SUBJECT EXTENSIONS...: NAME.key and NAME.pem signed by the CA.
issue() {
  local name=$1 subject=$2
  shift 2
  openssl req -newkey rsa:2048 -nodes -subj "${subject}" \
    -keyout "${name}.key" -out "${name}.csr" 2>/dev/null
  printf '%s\n' "$@" >"${name}.ext"
  openssl x509 -req -in "${name}.csr" -CA ca.pem -CAkey ca.key \
    -CAcreateserial -days 2 -extfile "${name}.ext" -out "${name}.pem" 2>/dev/null
}
server="subjectAltName=IP:127.0.0.1,DNS:localhost"
both="extendedKeyUsage=serverAuth,clientAuth"
issue scheduler "/CN=system:scheduler" "$server" "$both"
for node in "$@"; do
  issue "node-${node}" "/O=system:nodes/CN=system:node:${node}" "$server" "$both"
done
for user in admin alice bob; do
  issue "$user" "/CN=${user}" "extendedKeyUsage=clientAuth"
done
