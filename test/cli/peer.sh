#!/usr/bin/env bash
# tfgw peer with piped input (no prompts, sends each line, leaves at the end), under a
# pseudo-terminal (banner, clean redraw of the prompt) and when the server goes away.
source "$(dirname "$0")/lib.sh"

# on_pty OUTFILE COMMAND: runs COMMAND on a pseudo-terminal fed from this stdin (20 s at most); exits with its status.
on_pty() {
  local out=$1
  shift
  timeout 20 script -qfec "$*" "$out" >/dev/null
}

start_server
"${TFGW[@]}" receive bob -n 2 "${CONN[@]}" >"$WORK/bob.out" 2>"$WORK/bob.err" &
BOB=$!
PIDS+=("$BOB")
wait_for "grep -q 'listening as bob' '$WORK/bob.err'" || fail "bob joined"
printf '@bob one\nnot a send line\n@hex:zz x\n@bob two\n' | timeout 10 "${TFGW[@]}" peer alice "${CONN[@]}" \
  >"$WORK/alice.out" 2>"$WORK/alice.err" || fail "peer with piped input exits 0 at the end of its input"
timeout 10 tail --pid="$BOB" -f /dev/null || fail "bob got two messages"
printf 'one\ntwo\n' | diff - "$WORK/bob.out" || fail "bob received the two send lines"
printf 'type "@destination message", or /quit\ninvalid hex in "hex:zz" (an even number of 0-9, a-f).\n' | diff - "$WORK/alice.out" \
  || fail "no prompts or banner on stdout, only the answers to the bad lines"
ok "with piped input peer prints no prompts, sends each @dest line and leaves at the end"

command -v script >/dev/null || fail "script(1) is needed for the terminal tests"
( wait_for "grep -q 'alice> ' '$WORK/tty.txt' 2>/dev/null" 100
  printf '@bob half-typed'
  sleep 0.3
  "${TFGW[@]}" send alice 'b' --as bob "${CONN[@]}" 2>/dev/null
  wait_for "grep -q '< b' '$WORK/tty.txt'" 100
  printf '\r/quit\r'
  sleep 0.5 ) | on_pty "$WORK/tty.txt" "${TFGW[*]}" peer alice "${CONN[*]}" || fail "peer on a terminal quits with 0"
grep -qF '"@bob hello" sends hello to bob' "$WORK/tty.txt" || fail "alice's banner names bob: $(cat -v "$WORK/tty.txt")"
# The line is cleared before the message (no remnant of the prompt), then the prompt comes back with what
# was typed. (Newlines are taken out: grep would read a pattern with one as two patterns.)
tr -d '\n' <"$WORK/tty.txt" | grep -qF $'\e[1G\e[2K< b\r\e[1G\e[0Jalice> @bob half-typed' \
  || fail "message printed on a cleared line, prompt redrawn after it: $(cat -v "$WORK/tty.txt")"
ok "on a terminal an incoming message clears the prompt's line, and the prompt comes back with what was typed"

( wait_for "grep -q 'bob> ' '$WORK/tty-bob.txt' 2>/dev/null" 100; printf '/quit\r'; sleep 0.5 ) \
  | on_pty "$WORK/tty-bob.txt" "${TFGW[*]}" peer bob "${CONN[*]}" || fail "bob's peer quits"
grep -qF '"@alice hello" sends hello to alice' "$WORK/tty-bob.txt" || fail "bob's banner names another identity"
ok "the banner's example sends to an identity other than one's own"

mkfifo "$WORK/carol.in"
exec 3<>"$WORK/carol.in"
"${TFGW[@]}" peer carol "${CONN[@]}" <"$WORK/carol.in" >"$WORK/carol.out" 2>"$WORK/carol.err" &
CAROL=$!
PIDS+=("$CAROL")
wait_for "grep -q 'in the gateway as carol' '$WORK/carol.err'" || fail "carol joined"
( wait_for "grep -q 'dave> ' '$WORK/tty-dave.txt' 2>/dev/null" 100
  wait_for "grep -q 'connection lost' '$WORK/tty-dave.txt'" 150 ) \
  | on_pty "$WORK/tty-dave.txt" "${TFGW[*]}" peer dave "${CONN[*]}" &
DAVE=$!
PIDS+=("$DAVE")
wait_for "grep -q 'dave> ' '$WORK/tty-dave.txt' 2>/dev/null" || fail "dave joined on a terminal"
kill -TERM "$SERVER"
rc=0
timeout 10 bash -c "while kill -0 $CAROL 2>/dev/null; do sleep 0.1; done" || fail "peer with open input exits when the connection is lost"
wait "$CAROL" || rc=$?
[ "$rc" != 0 ] || fail "peer exits non-zero when the connection is lost"
grep -q '^connection lost: ' "$WORK/carol.err" || fail "peer says the connection was lost: $(cat "$WORK/carol.err")"
rc=0
wait "$DAVE" || rc=$?
[ "$rc" != 0 ] && grep -q 'connection lost: ' "$WORK/tty-dave.txt" || fail "peer on a terminal exits non-zero at once: rc $rc"
exec 3>&-
ok "when the server goes away peer says connection lost and exits non-zero without waiting for input"

echo "peer.sh: $PASSED passed, 0 failed"
