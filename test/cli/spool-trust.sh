#!/usr/bin/env bash
# The spool directory at start and at shutdown: made and kept 0700; one that
# another user owns, or that group or others can write, is refused with the
# reason; a read-only one is said to be read-only; a spool gone read-only by
# shutdown leaves a logged warning and a clean exit, not an uncaught EROFS.
# The read-only rows mount a tmpfs in a private mount namespace of this script.
if [ -z "${SPOOL_TRUST_PRIVATE_NS:-}" ] && [ "$(id -u)" = 0 ] && unshare -m --propagation private true 2>/dev/null; then
  SPOOL_TRUST_PRIVATE_NS=1 exec unshare -m --propagation private bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"

# serve_once <spool>: runs `tfgw serve` that is expected to refuse to start; its stderr in $WORK/refused.err.
serve_once() {
  local port
  port=$(free_port)
  if timeout 20 "${TFGW[@]}" serve --listen "127.0.0.1:$port" --data-dir "$WORK/data" --spool "$1" >/dev/null 2>"$WORK/refused.err"; then
    fail "tfgw serve started on $1"
  fi
}

mkdir -p "$WORK/open" && chmod 0777 "$WORK/open"
serve_once "$WORK/open"
grep -q "spool directory $WORK/open is writable by group and others (mode 0777).*chmod 700" "$WORK/refused.err" \
  || fail "a world-writable spool is refused with the reason ($(cat "$WORK/refused.err"))"
ok "a spool that group and others can write is refused, saying so"

if [ "$(id -u)" = 0 ]; then
  mkdir -p "$WORK/foreign" && chown nobody "$WORK/foreign" && chmod 0700 "$WORK/foreign"
  serve_once "$WORK/foreign"
  grep -q "spool directory $WORK/foreign is owned by uid $(id -u nobody), not by this server's user (uid 0)" "$WORK/refused.err" \
    || fail "a spool of another user is refused with the reason ($(cat "$WORK/refused.err"))"
  ok "a spool that another user owns is refused, saying so"
else
  echo "# skip: chown to another user needs root"
fi

# An existing spool of this user's at 0755 (as a checkout leaves one) is set to 0700 and used.
mkdir -p "$WORK/spool" && chmod 0755 "$WORK/spool"
start_server
[ "$(stat -c %a "$WORK/spool")" = 700 ] || fail "the spool is set to 0700 (it is $(stat -c %a "$WORK/spool"))"
chmod 0750 "$WORK/spool"
wait_for '[ "$(stat -c %a "$WORK/spool")" = 700 ]' 50 || fail "a changed mode is set back"
grep -q 'spool directory mode changed; set back to 0700 was=750' "$WORK/serve.err" || fail "the change is logged"
ok "an existing spool is set to 0700 at start, and kept so"
kill -TERM "$SERVER"
wait "$SERVER" || fail "the server stopped"

if [ -z "${SPOOL_TRUST_PRIVATE_NS:-}" ]; then
  echo "# skip: the read-only rows need root and a private mount namespace (unshare -m)"
  echo "spool-trust.sh: $PASSED passed, 0 failed"
  exit 0
fi

mkdir -p "$WORK/fs"
mount -t tmpfs -o size=4m tfgw-spool-trust "$WORK/fs"
mkdir -m 0700 "$WORK/fs/present"
mount -o remount,ro "$WORK/fs"
for spool in "$WORK/fs/present" "$WORK/fs/absent"; do
  serve_once "$spool"
  grep -q "$WORK/fs.* is on a read-only file system (EROFS)" "$WORK/refused.err" \
    || fail "a read-only spool is reported as read-only ($(cat "$WORK/refused.err"))"
done
ok "a spool on a read-only file system, there or still to be made, is reported as read-only"

mount -o remount,rw "$WORK/fs"
PORT=$(free_port)
"${TFGW[@]}" serve --listen "127.0.0.1:$PORT" --data-dir "$WORK/data" --spool "$WORK/fs/spool" \
  >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVER=$!
PIDS+=("$SERVER")
wait_for "grep -q 'public key' '$WORK/serve.out'" || fail "server on the tmpfs started"
CONN=(--port "$PORT" --data-dir "$WORK/data")
"${TFGW[@]}" listen ro-peer "${CONN[@]}" >/dev/null 2>"$WORK/listen.err" &
PEER=$!
PIDS+=("$PEER")
wait_for "grep -q 'listening as ro-peer' '$WORK/listen.err'" || fail "a peer joined"
mount -o remount,ro "$WORK/fs"
kill -TERM "$SERVER"
STATUS=0
wait "$SERVER" || STATUS=$?
[ "$STATUS" = 0 ] || fail "the server exits cleanly with its spool read-only (status $STATUS)"
grep -q 'final sweep of the spool failed; leftovers are swept at the next start .*EROFS' "$WORK/serve.err" \
  || fail "the failed sweep is logged with EROFS"
if grep -q 'Uncaught\|UnhandledPromiseRejection\|node:internal' "$WORK/serve.err"; then fail "no uncaught error"; fi
ok "a spool gone read-only at shutdown: the failed sweep is logged, the exit is clean"
kill "$PEER" 2>/dev/null || true
mount -o remount,rw "$WORK/fs"
umount -l "$WORK/fs" 2>/dev/null || true

echo "spool-trust.sh: $PASSED passed, 0 failed"
