#!/usr/bin/env bash
# Writes a throwaway CA and one certificate it signs (for 127.0.0.1 and
# localhost, usable as server and client) into DIR: ca.pem, node.pem,
# node.key. For the TLS integration test only; never for real use.
set -euo pipefail
dir=$1
mkdir -p "$dir"
cd "$dir"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=hetsched test CA" \
  -keyout ca.key -out ca.pem -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=hetsched test node" \
  -keyout node.key -out node.csr 2>/dev/null
printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" \
  "extendedKeyUsage=serverAuth,clientAuth" >node.ext
openssl x509 -req -in node.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
  -days 2 -extfile node.ext -out node.pem 2>/dev/null
