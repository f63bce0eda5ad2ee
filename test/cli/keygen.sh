#!/usr/bin/env bash
# tfgw keygen writes a usable key pair; --help works everywhere.
source "$(dirname "$0")/lib.sh"

for cmd in "" serve keygen peer send listen spool; do
  "${TFGW[@]}" $cmd --help >/dev/null || fail "tfgw $cmd --help"
done
ok "--help works for every command"

"${TFGW[@]}" keygen --out "$WORK/keys" >/dev/null
grep -q 'BEGIN RSA PRIVATE KEY' "$WORK/keys/private.pem" || fail "private key is PKCS#1"
grep -q 'BEGIN PUBLIC KEY' "$WORK/keys/public.pem" || fail "public key is SPKI"
[ "$(stat -c %a "$WORK/keys/private.pem")" = "600" ] || fail "private key mode 600"
ok "keygen writes a PKCS#1 private key (0600) and an SPKI public key"

if "${TFGW[@]}" keygen --out "$WORK/keys" 2>/dev/null; then fail "keygen refuses to overwrite"; fi
ok "keygen refuses to overwrite without --force"

# A PKCS#8 key converted by openssl-free means: node itself.
node -e "const c=require('crypto'),fs=require('fs');fs.writeFileSync(process.argv[1],c.createPrivateKey(fs.readFileSync(process.argv[2])).export({type:'pkcs8',format:'pem'}))" "$WORK/keys/pkcs8.pem" "$WORK/keys/private.pem"
chmod 600 "$WORK/keys/pkcs8.pem"
start_server --key "$WORK/keys/pkcs8.pem"
cmp -s "$WORK/keys/public.pem" "$WORK/data/public.pem" || fail "server publishes the configured key's public half"
echo ping | "${TFGW[@]}" send nobody --stdin "${CONN[@]}" 2>/dev/null || fail "a client connects with that key"
ok "serve --key loads a PKCS#8 key and clients connect with its public key"

echo "keygen.sh: $PASSED passed, 0 failed"
