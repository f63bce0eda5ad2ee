#!/usr/bin/env bash
# The client commands check their arguments before connecting, say what they can and cannot know, and fail loudly.
source "$(dirname "$0")/lib.sh"

# expect_error "what" "text the error must hold" tfgw-args...: exits non-zero within 10 s, with that text on stderr.
expect_error() {
  local what=$1 text=$2
  shift 2
  local rc=0
  timeout 10 "${TFGW[@]}" "$@" >"$WORK/cmd.out" 2>"$WORK/cmd.err" </dev/null || rc=$?
  [ "$rc" != 0 ] && [ "$rc" != 124 ] || fail "$what: exit status $rc (124: did not exit)"
  grep -qF -- "$text" "$WORK/cmd.err" || fail "$what: stderr lacks '$text': $(cat "$WORK/cmd.err")"
}

expect_error "receive -n abc" "a count is a whole number, 1 or more" receive x -n abc
expect_error "receive -n 0" "a count is a whole number, 1 or more" receive x -n 0
ok "receive rejects a count that is not a positive whole number, and exits"

expect_error "receive -f bogus" "Allowed choices are text, hex, base64, json" receive x -f bogus
expect_error "peer -f bogus" "Allowed choices are text, hex, base64, json" peer x -f bogus
ok "receive and peer reject an unknown format and list the known ones"

expect_error "send hex:zz" 'invalid hex in "hex:zz"' send hex:zz hi
expect_error "odd hex message" 'invalid hex in "hex:abc"' send bob hex:abc
expect_error "bad base64 --as" 'invalid base64 in "base64:%%"' send bob hi --as base64:%%
expect_error "bad base64 identity" 'invalid base64 in "base64:abcde"' receive base64:abcde
ok "hex: and base64: values that do not decode are rejected, naming the value"

expect_error "empty destination" "identity must be 1 to 524287 bytes, got 0" send '' hi
expect_error "empty hex identity" "identity must be 1 to 524287 bytes, got 0" receive hex:
ok "an empty identity is rejected with the protocol's limits"

expect_error "--port 99999" "a port is a whole number from 1 to 65535" send bob hi --port 99999
expect_error "--port abc" "a port is a whole number from 1 to 65535" receive bob --port abc
TFGW_PORT=0 expect_error "TFGW_PORT=0" "TFGW_PORT: a port is a whole number from 1 to 65535" send bob hi --data-dir "$WORK/none"
ok "a port out of range is rejected, from the flag and from TFGW_PORT"

expect_error "spool on a missing directory" "no spool directory at $WORK/nonexist" spool --spool "$WORK/nonexist"
mkdir "$WORK/not-a-spool"
expect_error "spool on a plain directory" "$WORK/not-a-spool is not a tfgw spool" spool --spool "$WORK/not-a-spool"
ok "tfgw spool on a directory that is not a spool is an error naming the path"

start_server
CLOSED=$(free_port)
expect_error "refused connection" "cannot connect to 127.0.0.1:$CLOSED: ECONNREFUSED" send bob hi --port "$CLOSED" --data-dir "$WORK/data"
ok "a refused connection is reported with its address and error code"

"${TFGW[@]}" send nobody 'into the void' --as alice "${CONN[@]}" 2>"$WORK/send.err" || fail "send to nobody"
grep -qF 'sent 1 message(s) to nobody (best effort: the gateway does not say whether anyone received them)' "$WORK/send.err" \
  || fail "send says delivery is best effort: $(cat "$WORK/send.err")"
ok "send reports what it wrote and says that delivery is best effort"

head -c 524289 /dev/zero | tr '\0' 'x' >"$WORK/big.txt"
echo >>"$WORK/big.txt"
rc=0
"${TFGW[@]}" send nobody --stdin "${CONN[@]}" <"$WORK/big.txt" 2>"$WORK/big.err" || rc=$?
[ "$rc" != 0 ] && grep -qF 'line 1 of stdin: message must be at most 524288 bytes, got 524289' "$WORK/big.err" \
  || fail "an oversized stdin line is an error: rc $rc, $(cat "$WORK/big.err")"
ok "send --stdin rejects a line larger than a gateway message, naming the line"

"${TFGW[@]}" receive hex:00ff -n 2 -f hex "${CONN[@]}" >"$WORK/raw.out" 2>"$WORK/raw.err" &
RECEIVER=$!
PIDS+=("$RECEIVER")
wait_for "grep -q 'listening as hex:00ff' '$WORK/raw.err'" || fail "raw identity joined"
"${TFGW[@]}" send hex:00FF hex:cafe base64:AAE= --as alice "${CONN[@]}" 2>/dev/null || fail "send with raw bytes"
timeout 10 tail --pid="$RECEIVER" -f /dev/null || fail "receive -n 2 left after two messages"
printf 'cafe\n0001\n' | diff - "$WORK/raw.out" || fail "raw bytes arrived as given"
ok "valid hex: and base64: values pass, and receive -n leaves after n messages"

echo "client-commands.sh: $PASSED passed, 0 failed"
