#!/usr/bin/env bash
# End to end through the CLI: serve, listen, send, spool, kills, shutdown; looks at the spool directory.
source "$(dirname "$0")/lib.sh"

start_server
grep -q 'protocol      0.0' "$WORK/serve.out" || fail "banner shows the protocol version"
[ -s "$WORK/data/private.pem" ] && grep -q 'BEGIN PUBLIC KEY' "$WORK/data/public.pem" || fail "first start created a key pair"
ok "server starts with no configuration and prints key, version and hash"

"${TFGW[@]}" listen bob --count 2 "${CONN[@]}" >"$WORK/bob.out" 2>"$WORK/bob.err" &
LISTENER=$!
PIDS+=("$LISTENER")
wait_for "grep -q 'listening as bob' '$WORK/bob.err'" || fail "listener joined"
[ "$(spool_ls)" = "bob" ] || fail "spool shows exactly bob, got '$(spool_ls)'"
[ -f "$WORK/spool/bob/owner.json" ] && grep -q '"identity": "bob"' "$WORK/spool/bob/owner.json" || fail "owner record"
ok "ls of the spool shows one inbox for the listening identity, with its owner record"

"${TFGW[@]}" spool --spool "$WORK/spool" >"$WORK/spool.out"
grep -q '1 in the gateway' "$WORK/spool.out" && grep -q '^bob ' "$WORK/spool.out" || fail "tfgw spool lists bob"
ok "tfgw spool lists who is in the gateway"

"${TFGW[@]}" send bob 'hello bob' 'second line' --as alice "${CONN[@]}" 2>"$WORK/send.err"
wait "$LISTENER" || fail "listener exited cleanly after two messages"
printf 'hello bob\nsecond line\n' | diff - "$WORK/bob.out" || fail "bob received both messages in order"
ok "send delivers to listen, in order"

if [ -f "$ROOT/build/Release/tfgw_native.node" ]; then
  "${TFGW[@]}" listen frank --count 4 "${CONN[@]}" >"$WORK/frank.out" 2>"$WORK/frank.err" &
  FRANK=$!
  PIDS+=("$FRANK")
  wait_for "grep -q 'listening as frank' '$WORK/frank.err'" || fail "frank joined"
  "${TFGW[@]}" send frank 'kept file' --as alice "${CONN[@]}" 2>/dev/null
  wait_for "grep -q 'kept file' '$WORK/frank.out'" || fail "frank received the first message"
  # Files are kept for reuse only on a local ext4 without a journal (reuseFiles auto): told here from the kernel's views.
  DEVICE=$(readlink "/sys/dev/block/$(stat -c '%Hd:%Ld' "$WORK/spool")" || true)
  DEVICE=${DEVICE##*/}
  if [ -n "$DEVICE" ] && [ -d "/proc/fs/ext4/$DEVICE" ] && ! compgen -G "/proc/fs/jbd2/$DEVICE-*" >/dev/null; then
    [ "$(ls -A "$WORK/spool/frank")" = "$(printf '.blanks\n.lock\nowner.json')" ] || fail "frank's inbox: no message, a slot directory, got '$(ls -A "$WORK/spool/frank")'"
    [ "$(ls "$WORK/spool/frank/.blanks")" = 0 ] && [ "$(stat -c %s "$WORK/spool/frank/.blanks/0")" = 9 ] &&
      cmp -s -n 9 "$WORK/spool/frank/.blanks/0" /dev/zero || fail "the file read waits in slot 0, its 9 bytes zeros"
    INODE=$(stat -c %i "$WORK/spool/frank/.blanks/0")
    # One sender for both: the second line is written into a slot's file, whatever the first was.
    { echo second; wait_for "grep -q 'second' '$WORK/frank.out'"; echo third; } | "${TFGW[@]}" send frank --stdin --as alice "${CONN[@]}" 2>/dev/null
    wait_for "grep -q 'third' '$WORK/frank.out'" || fail "frank received the third message"
    [ "$(stat -c %i "$WORK/spool/frank/.blanks/2" 2>/dev/null)" = "$INODE" ] ||
      fail "the file of slot 0 carried a later message and came back to slot 2, got '$(ls -i "$WORK/spool/frank/.blanks" | tr '\n' ' ')'"
    grep -q '^  file reuse    on (auto: a local ext4 without a journal)' "$WORK/serve.out" || fail "the banner says files are reused, and why"
    KEPT="a file read is zeroed and kept in the inbox's .blanks/, and the next message is written into it; the banner says so"
  else
    [ "$(ls -A "$WORK/spool/frank")" = "$(printf '.lock\nowner.json')" ] ||
      fail "not ext4 without a journal: the file read is deleted, no slot directory, got '$(ls -A "$WORK/spool/frank")'"
    printf 'second\nthird\n' | "${TFGW[@]}" send frank --stdin --as alice "${CONN[@]}" 2>/dev/null
    wait_for "grep -q 'third' '$WORK/frank.out'" || fail "frank received the third message"
    grep -q '^  file reuse    off (auto: ' "$WORK/serve.out" || fail "the banner says files are not reused, and why"
    KEPT="a file read is deleted where keeping it would not pay (not ext4 without a journal); the banner says so"
  fi
  # Each session's run record and its spare: "<record> <record's inode> <spare's inode> <record's version>".
  run_pairs() {
    for f in "$WORK/spool/.run"/*.json; do
      n=$(basename "$f")
      if [ -f "$WORK/spool/.run/.$n.tmp" ]; then
        echo "$n $(stat -c %i "$f") $(stat -c %i "$WORK/spool/.run/.$n.tmp") $(grep -o '"version":[0-9]*' "$f" | cut -d: -f2)"
      fi
    done | sort
  }
  PAIRS=$(run_pairs)
  [ -n "$PAIRS" ] || fail "the sessions that served keep a spare beside their run record, got '$(ls -A "$WORK/spool/.run" | tr '\n' ' ')'"
  "${TFGW[@]}" send frank 'last' --as alice "${CONN[@]}" 2>/dev/null
  wait "$FRANK" || fail "frank exited cleanly after four messages"
  printf 'kept file\nsecond\nthird\nlast\n' | diff - "$WORK/frank.out" || fail "frank received all four in order"
  ok "$KEPT"
  # frank's session goes idle: its record is written again, into the same two files (their names exchanged).
  rewritten_in_place() {
    join <(echo "$PAIRS") <(run_pairs) |
      awk '$7 > $4 && (($2 == $5 && $3 == $6) || ($2 == $6 && $3 == $5)) { found = 1 } END { exit !found }'
  }
  wait_for rewritten_in_place || fail "a run record written again with no file created, before '$PAIRS', after '$(run_pairs)'"
  ok "a run record is rewritten into its spare, which then takes the record's name: no file created"
fi

wait_for '[ -z "$(spool_ls)" ]' || fail "spool empty after both left, got '$(spool_ls)'"
wait_for '[ -z "$(ls "$WORK/spool/.inboxes")" ]' || fail "no inbox left"
ok "after peers leave, the spool holds nothing of theirs"

"${TFGW[@]}" send nobody 'into the void' --as alice "${CONN[@]}" 2>/dev/null || fail "send to an absent identity succeeds"
[ -z "$(spool_ls)" ] || fail "no inbox was created for an absent identity"
ok "a message to an absent identity is lost and the sender goes on"

"${TFGW[@]}" listen carol "${CONN[@]}" >/dev/null 2>"$WORK/carol.err" &
CAROL=$!
PIDS+=("$CAROL")
wait_for "grep -q 'listening as carol' '$WORK/carol.err'" || fail "carol joined"
kill -9 "$CAROL"
wait "$CAROL" 2>/dev/null || true
wait_for '[ -z "$(spool_ls)" ]' || fail "killed client's inbox removed"
ok "a client killed with SIGKILL leaves nothing in the spool"

"${TFGW[@]}" listen dave "${CONN[@]}" >/dev/null 2>"$WORK/dave.err" &
DAVE=$!
PIDS+=("$DAVE")
wait_for "grep -q 'listening as dave' '$WORK/dave.err'" || fail "dave joined"
SESSION_PID=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['pid'])" "$WORK/spool/dave/owner.json")
kill -9 "$SESSION_PID"
wait_for '[ -z "$(spool_ls)" ]' || fail "killed session's inbox removed"
wait_for '[ -z "$(ls "$WORK/spool/.inboxes")" ] && [ -z "$(ls "$WORK/spool/.tmp" | grep -x "$SESSION_PID" || true)" ]' || fail "claim removed"
grep -q 'session process ended abnormally' "$WORK/serve.err" || fail "the listener logged the crash"
ok "a session process killed with SIGKILL is reaped and its inbox cleared"

"${TFGW[@]}" listen erin "${CONN[@]}" >/dev/null 2>"$WORK/erin.err" &
PIDS+=($!)
wait_for "grep -q 'listening as erin' '$WORK/erin.err'" || fail "erin joined"
kill -TERM "$SERVER"
wait "$SERVER" || fail "server exits 0 on SIGTERM"
[ -z "$(spool_ls)" ] || fail "spool empty after shutdown"
[ -z "$(find "$WORK/spool" -mindepth 2)" ] || fail "nothing under the spool's hidden dirs after shutdown: $(find "$WORK/spool" -mindepth 2)"
grep -q 'stopped' "$WORK/serve.err" || fail "shutdown logged"
ok "SIGTERM ends the sessions, clears the spool and exits 0"

echo "gateway.sh: $PASSED passed, 0 failed"
