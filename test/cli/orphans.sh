#!/usr/bin/env bash
# A listener killed with SIGKILL leaves no session process behind: waiting ones
# notice they were reparented and exit; a busy one finishes its client first.
source "$(dirname "$0")/lib.sh"

start_server
"${TFGW[@]}" listen orphan-test "${CONN[@]}" >/dev/null 2>"$WORK/listen.err" &
LISTENER=$!
PIDS+=("$LISTENER")
wait_for "grep -q 'listening as orphan-test' '$WORK/listen.err'" || fail "peer joined"
# The session processes are the listener's children while it lives (their command
# lines name no spool: settings reach them over a pipe); after the SIGKILL the same
# pids are followed.
SESSION_PIDS=$(pgrep -P "$SERVER" | tr '\n' ' ')
sessions() { for p in $SESSION_PIDS; do s=$(ps -o stat= -p "$p" 2>/dev/null | cut -c1); [ -n "$s" ] && [ "$s" != Z ] && echo "$p"; done | wc -l; }
[ "$(sessions)" -ge 2 ] || fail "session processes running"
kill -9 "$SERVER"
wait "$SERVER" 2>/dev/null || true
wait_for '[ "$(sessions)" -eq 1 ]' 50 || fail "waiting session processes exit after the listener died ($(sessions) left)"
ok "waiting session processes exit when the listener is killed"

kill "$LISTENER"
wait_for '[ "$(sessions)" -eq 0 ]' 50 || fail "the busy session exits once its client is gone ($(sessions) left)"
ok "the busy one serves its client to the end, then exits"

echo "orphans.sh: $PASSED passed, 0 failed"
