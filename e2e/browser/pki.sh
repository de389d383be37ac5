#!/bin/sh
# The PIV/CAC journey's certificates, made fresh in $1 with openssl: a certificate authority,
# the TLS certificate of the journey's HTTPS server (127.0.0.1), and Jane Requester's card
# (common name with her EDIPI, her UPN in the subject alternative name, for client
# authentication).
set -eu
d="$1"
rm -rf "$d" && mkdir -p "$d" && cd "$d"
ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
openssl req -x509 $ec -keyout ca.key -out ca.pem -days 30 \
  -subj "/O=U.S. Government/CN=AMPS Journey PIV CA" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" 2>/dev/null
openssl req $ec -keyout server.key -out server.csr -subj "/CN=127.0.0.1" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' >server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 30 -extfile server.ext 2>/dev/null
openssl req $ec -keyout card.key -out card.csr -subj "/O=U.S. Government/CN=REQUESTER.JANE.Q.1234567890" 2>/dev/null
printf 'subjectAltName=otherName:1.3.6.1.4.1.311.20.2.3;UTF8:1234567890@mil\nextendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\nbasicConstraints=CA:FALSE\n' >card.ext
openssl x509 -req -in card.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out card.pem -days 30 -extfile card.ext 2>/dev/null
