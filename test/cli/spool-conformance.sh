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

# An inbox seen at rest: carol's session paused, so what is renamed in stays there.
"${TFGW[@]}" receive carol "${CONN[@]}" >"$WORK/carol.out" 2>"$WORK/carol.err" &
PIDS+=($!)
wait_for "grep -q 'listening as carol' '$WORK/carol.err'" || fail "carol joined"
CAROL_SESSION=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['pid'])" "$WORK/spool/carol/owner.json")
kill -STOP "$CAROL_SESSION"
ms=$(date +%s%3N)
mkdir -p "$WORK/spool/.tmp/ext-test"
for name in "$(printf '%013d-%07d-%010d.gw1' "$ms" 1 1)" "$ms.P1Q0000000002.gw1.example.org" hello.txt; do
  printf 'queued' >"$WORK/spool/.tmp/ext-test/$name"
  mv "$WORK/spool/.tmp/ext-test/$name" "$WORK/spool/carol/$name"
done
conformance || fail "conformance passes with messages under any name queued: $(cat "$WORK/conformance.out")"
[ "$(grep -c '^# note: ' "$WORK/conformance.out")" = 1 ] &&
  grep -q '^# note: .inboxes/[^/]*/hello.txt follows neither message-name pattern' "$WORK/conformance.out" ||
  fail "only hello.txt is noted, the tfgw and Maildir-style names are not: $(cat "$WORK/conformance.out")"
ok "queued names in tfgw's and the Maildir pattern pass; a name in neither passes with a note"

mkfifo "$WORK/spool/carol/afifo"
expect_broken "a FIFO in an inbox" "/afifo is not a regular file"
rm "$WORK/spool/carol/afifo"
kill -CONT "$CAROL_SESSION"
wait_for '[ "$(wc -l <"$WORK/carol.out")" = 3 ]' || fail "carol received the three once resumed"
ok "a FIFO left in an inbox at rest fails the conformance script"

echo "spool-conformance.sh: $PASSED passed, 0 failed"
