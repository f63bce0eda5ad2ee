#!/usr/bin/env bash
# A listener killed with SIGKILL gives its port back: the session processes it
# leaves serving close the listening sockets they inherited as soon as they
# notice, so a new `tfgw serve` on the same port binds at once and relays, while
# the orphans go on serving the peers they had.
source "$(dirname "$0")/lib.sh"

start_server
for peer in alpha beta; do
  "${TFGW[@]}" listen "$peer" "${CONN[@]}" >"$WORK/$peer.out" 2>"$WORK/$peer.err" &
  PIDS+=("$!")
  wait_for "grep -q 'listening as $peer' '$WORK/$peer.err'" || fail "$peer joined"
done
listening_on_port() { ss -Hltn "sport = :$PORT" | wc -l; }
[ "$(listening_on_port)" -ge 1 ] || fail "the port is listening"

kill -9 "$SERVER"
wait "$SERVER" 2>/dev/null || true
# Within a second no process listens on the port any more (the orphans serving alpha and beta closed their copies).
wait_for '[ "$(listening_on_port)" -eq 0 ]' 10 || fail "the port is free within a second of the kill ($(ss -Hltnp "sport = :$PORT"))"
ok "the orphaned sessions give the port back within a second"

"${TFGW[@]}" serve --listen "127.0.0.1:$PORT" --data-dir "$WORK/data" --spool "$WORK/spool" \
  >"$WORK/serve2.out" 2>"$WORK/serve2.err" &
SERVER=$!
PIDS+=("$SERVER")
wait_for "grep -q 'public key' '$WORK/serve2.out' || ! kill -0 $SERVER 2>/dev/null" || fail "second server started"
kill -0 "$SERVER" 2>/dev/null || fail "a new server binds the same port ($(cat "$WORK/serve2.err"))"
ok "a new tfgw serve binds the same port"

"${TFGW[@]}" listen gamma --count 1 "${CONN[@]}" >"$WORK/gamma.out" 2>"$WORK/gamma.err" &
GAMMA=$!
PIDS+=("$GAMMA")
wait_for "grep -q 'listening as gamma' '$WORK/gamma.err'" || fail "gamma joined through the new server"
"${TFGW[@]}" send gamma 'after the kill' --as delta "${CONN[@]}" 2>"$WORK/send.err" || fail "send through the new server"
"${TFGW[@]}" send alpha 'to an orphan' --as delta "${CONN[@]}" 2>>"$WORK/send.err" || fail "send to a peer of the old server"
wait_for "grep -q 'after the kill' '$WORK/gamma.out'" 50 || fail "the new server relays"
wait_for "grep -q 'to an orphan' '$WORK/alpha.out'" 50 || fail "a peer still served by an orphan receives"
ok "the new server relays, to its own peers and to the orphans' peers"

echo "killed-listener.sh: $PASSED passed, 0 failed"
