#!/usr/bin/env bash
# scripts/spool-conformance.sh against a live `tfgw serve`: it passes on the spool the
# server keeps (and its message written by SPOOL.md's writer's rules reaches a peer),
# and it fails on a spool broken by hand, once per kind of breakage shown here.
source "$(dirname "$0")/lib.sh"
CONFORMANCE=(bash "$ROOT/scripts/spool-conformance.sh")

# conformance ARGS...: runs the script, its output in $WORK/conformance.out; its exit status.
conformance() {
  "${CONFORMANCE[@]}" "$@" "$WORK/spool" >"$WORK/conformance.out" 2>&1
}

start_server
"${TFGW[@]}" receive bob --count 1 "${CONN[@]}" >"$WORK/bob.out" 2>"$WORK/bob.err" &
BOB=$!
PIDS+=("$BOB")
wait_for "grep -q 'listening as bob' '$WORK/bob.err'" || fail "bob joined"

conformance --deliver bob --message 'written with printf and mv' ||
  fail "conformance passes against tfgw serve: $(cat "$WORK/conformance.out")"
! grep -q '^not ok' "$WORK/conformance.out" || fail "no check failed: $(cat "$WORK/conformance.out")"
[ "$(grep -c '^ok [0-9]* - ' "$WORK/conformance.out")" = 8 ] || fail "eight checks ran: $(cat "$WORK/conformance.out")"
grep -q "^ok 8 - a message written to .tmp/ and renamed into 'bob' is delivered and removed" "$WORK/conformance.out" ||
  fail "the delivery check ran: $(cat "$WORK/conformance.out")"
wait "$BOB" || fail "bob exited cleanly after one message"
[ "$(cat "$WORK/bob.out")" = 'written with printf and mv' ] || fail "bob printed the message, got '$(cat "$WORK/bob.out")'"
ok "the conformance script passes against tfgw serve and its message reaches the peer"

wait_for '[ ! -L "$WORK/spool/bob" ]' || fail "bob's link is gone once he left"
conformance --deliver bob && fail "delivery to an identity nobody holds fails"
grep -q "^not ok - a message written to .tmp/ and renamed into 'bob' is delivered and removed: nobody holds 'bob'" \
  "$WORK/conformance.out" || fail "the failure says why: $(cat "$WORK/conformance.out")"
ok "the conformance script fails when nobody holds the identity to deliver to"

# expect_broken WHAT PATTERN: the script fails, and says what is wrong.
expect_broken() {
  conformance && fail "conformance fails on a spool with $1"
  grep -q "^not ok - .*$2" "$WORK/conformance.out" || fail "the failure names $1: $(cat "$WORK/conformance.out")"
  [ "$(grep -c '^not ok' "$WORK/conformance.out")" = 1 ] || fail "only that check fails: $(cat "$WORK/conformance.out")"
}

printf 'stray' >"$WORK/spool/stray.txt"
expect_broken "a regular file at the root" "'stray.txt' is not a symbolic link"
rm "$WORK/spool/stray.txt"
conformance || fail "conformance passes again once the file is gone: $(cat "$WORK/conformance.out")"
ok "a regular file dropped at the spool root fails the conformance script"

ln -s "$WORK/data" "$WORK/spool/mallory"
expect_broken "a link that leads out of .inboxes" "'mallory' points to '$WORK/data', not .inboxes/<claim>"
rm "$WORK/spool/mallory"
ok "an identity link leading outside .inboxes fails the conformance script"

chmod 0755 "$WORK/spool"
expect_broken "mode 0755" "mode 755, not 700"
chmod 0700 "$WORK/spool"
ok "a spool root opened to group and others (0755) fails the conformance script"

printf 'tfgw-spool 3.0\n' >"$WORK/spool/.format"
expect_broken "a newer major version" "reads 'tfgw-spool 3.0'"
printf 'tfgw-spool 2.0\n' >"$WORK/spool/.format"
conformance || fail "conformance passes again with .format restored: $(cat "$WORK/conformance.out")"
ok "a .format of another major version fails the conformance script"

echo "spool-conformance.sh: $PASSED passed, 0 failed"
