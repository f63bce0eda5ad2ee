#!/usr/bin/env bash
# `tfgw spool send`, `peek` and `watch` on a live server: writing without a connection
# (and being told whether anyone held the identity), listing what a paused session
# has queued without taking it, and a line per join, leave, arrival and removal.
source "$(dirname "$0")/lib.sh"
SPOOL="$WORK/spool"
SPOOLCMD=(spool --spool "$SPOOL")

start_server
"${TFGW[@]}" spool watch --json --spool "$SPOOL" >"$WORK/watch.out" 2>"$WORK/watch.err" &
WATCH=$!
PIDS+=("$WATCH")
wait_for "grep -q '^watching ' '$WORK/watch.err'" || fail "watch started"

# json_field FILE EXPR: a value from the JSON in FILE (`d` is the document), for the checks.
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
# watched EVENT NAME [FILE]: watch printed that event.
watched() {
  python3 - "$WORK/watch.out" "$@" <<'PY'
import json, sys
out, event, name = sys.argv[1:4]
file = sys.argv[4] if len(sys.argv) > 4 else None
for line in open(out, encoding="utf-8"):
    e = json.loads(line)
    if e["event"] == event and e["name"] == name and (file is None or e.get("file") == file):
        sys.exit(0)
sys.exit(1)
PY
}

status=0
"${TFGW[@]}" spool send bob 'into the void' --spool "$SPOOL" >"$WORK/send.out" 2>"$WORK/send.err" || status=$?
[ "$status" = 2 ] || fail "send to an absent identity exits 2, got $status"
grep -q "^tfgw: bob is not in the gateway (no bob in $SPOOL): nothing written$" "$WORK/send.err" ||
  fail "and says so: $(cat "$WORK/send.err")"
[ -z "$(spool_ls)" ] || fail "nothing was written at the spool root, got '$(spool_ls)'"
status=0
"${TFGW[@]}" spool peek bob --json --spool "$SPOOL" >"$WORK/peek.json" || status=$?
[ "$status" = 2 ] && [ "$(json "$WORK/peek.json" 'd["present"]')" = False ] || fail "peek of an absent identity exits 2 and says present: false"
ok "spool send and peek tell that nobody holds an identity (exit 2, nothing written)"

"${TFGW[@]}" receive bob --format json "${CONN[@]}" >"$WORK/bob.out" 2>"$WORK/bob.err" &
BOB=$!
PIDS+=("$BOB")
wait_for "grep -q 'listening as bob' '$WORK/bob.err'" || fail "bob joined"
wait_for 'watched join bob' || fail "watch printed bob's join: $(cat "$WORK/watch.out")"
SESSION=$(json "$SPOOL/bob/owner.json" 'd["pid"]')
ok "watch prints a join line when an identity enters the gateway"

"${TFGW[@]}" spool send bob 'hello bob' --spool "$SPOOL" >"$WORK/send.out" || fail "send to bob succeeds"
grep -q "^queued 9 bytes for bob (present) as bob/[0-9]\{13\}-[0-9]\{7\}-[0-9]\{10\}\.[a-z0-9_-]*$" "$WORK/send.out" ||
  fail "send says the identity was present and names the file: $(cat "$WORK/send.out")"
FILE=$(sed 's#.* as bob/##' "$WORK/send.out")
wait_for "grep -q 'hello bob' '$WORK/bob.out'" || fail "bob received it"
wait_for "watched queued bob '$FILE' && watched delivered bob '$FILE'" ||
  fail "watch printed its arrival and removal: $(cat "$WORK/watch.out")"
ok "spool send writes into the spool without a connection; bob receives it and watch shows it queued and delivered"

# Paused, bob's session takes nothing: what is sent stays queued for peek to see.
kill -STOP "$SESSION"
"${TFGW[@]}" spool send bob 'first' --spool "$SPOOL" >/dev/null || fail "send an argument"
printf 'two\x1b[31m\nlines\\' | "${TFGW[@]}" spool send bob --stdin --spool "$SPOOL" >/dev/null || fail "send stdin"
head -c 1000 /dev/zero >"$WORK/zeros"
"${TFGW[@]}" spool send bob --file "$WORK/zeros" --spool "$SPOOL" >/dev/null || fail "send a file"
"${TFGW[@]}" spool peek bob --json --spool "$SPOOL" >"$WORK/peek.json" || fail "peek of bob exits 0"
[ "$(json "$WORK/peek.json" '[e["size"] for e in d["entries"]]')" = '[5, 15, 1000]' ] ||
  fail "peek lists the three in delivery order with their sizes: $(cat "$WORK/peek.json")"
[ "$(json "$WORK/peek.json" 'd["entries"][1]["preview"]')" = 'two\x1b[31m\nlines\\' ] ||
  fail "the preview escapes control bytes: $(json "$WORK/peek.json" 'd["entries"][1]["preview"]')"
[ "$(json "$WORK/peek.json" 'set(e["pattern"] for e in d["entries"])')" = "{'tfgw'}" ] &&
  json "$WORK/peek.json" 'd["entries"][0]["writer"]' | grep -q '^tfgw pid [0-9]* on [a-z0-9_-]*$' || fail "peek names each writer from its file name"
[ "$(json "$WORK/peek.json" 'd["entries"][2]["truncated"]')" = True ] || fail "a long message's preview is marked truncated"
"${TFGW[@]}" spool peek bob --spool "$SPOOL" >"$WORK/peek.txt" || fail "peek as text"
grep -q "^bob: held by pid $SESSION, 3 queued, 1020 bytes$" "$WORK/peek.txt" || fail "peek's text header: $(cat "$WORK/peek.txt")"
grep -q '"two\\x1b\[31m\\nlines\\\\"' "$WORK/peek.txt" || fail "peek's text preview is escaped: $(cat "$WORK/peek.txt")"
[ "$(ls "$SPOOL/bob/" | grep -vc owner.json)" = 3 ] || fail "peek took nothing"
ok "peek lists what a paused session has queued (size, age, writer, escaped preview; --json) without taking it"

printf '' >"$SPOOL/bob/.full"
status=0
"${TFGW[@]}" spool send bob 'no room' --spool "$SPOOL" 2>"$WORK/send.err" || status=$?
[ "$status" = 3 ] && grep -q 'the inbox of bob is full' "$WORK/send.err" || fail "send to a full inbox exits 3, got $status: $(cat "$WORK/send.err")"
rm "$SPOOL/bob/.full"
head -c 524289 /dev/zero >"$WORK/too-big"
status=0
"${TFGW[@]}" spool send bob --file "$WORK/too-big" --spool "$SPOOL" 2>"$WORK/send.err" || status=$?
[ "$status" = 4 ] && grep -q 'over 524288 bytes' "$WORK/send.err" || fail "send of 524289 bytes exits 4, got $status: $(cat "$WORK/send.err")"
[ "$(ls "$SPOOL/bob/" | grep -vc owner.json)" = 3 ] || fail "neither was written"
ok "spool send refuses a full inbox (exit 3) and a message over 524288 bytes (exit 4)"

kill -CONT "$SESSION"
wait_for '[ "$(wc -l <"$WORK/bob.out")" = 4 ]' || fail "bob received the three once resumed"
python3 -c 'import json,sys; print(",".join(str(json.loads(l)["bytes"]) for l in open(sys.argv[1])))' "$WORK/bob.out" | grep -qx '9,5,15,1000' ||
  fail "in the order sent: $(cat "$WORK/bob.out")"
"${TFGW[@]}" spool peek bob --spool "$SPOOL" | grep -q '^bob: held by pid [0-9]*, 0 queued, 0 bytes$' || fail "nothing queued any more"
for f in $(json "$WORK/peek.json" '" ".join(e["name"] for e in d["entries"])'); do
  wait_for "watched queued bob '$f' && watched delivered bob '$f'" || fail "watch saw $f queued and delivered: $(cat "$WORK/watch.out")"
done
ok "resumed, bob receives the queued messages in order, and watch saw each queued and delivered"

kill -TERM "$BOB"
wait "$BOB" || fail "bob left cleanly"
wait_for 'watched leave bob' || fail "watch printed bob's leave: $(cat "$WORK/watch.out")"
ok "watch prints a leave line when an identity leaves the gateway"

kill -TERM "$WATCH"
wait_for "! kill -0 $WATCH 2>/dev/null" || fail "watch ends on SIGTERM"
status=0
wait "$WATCH" || status=$?
[ "$status" = 0 ] || fail "with status 0, got $status"
ok "watch --json exits 0 on SIGTERM"

# The text form, followed as a growing file, and ended with SIGINT (Ctrl-C).
"${TFGW[@]}" spool watch --spool "$SPOOL" >"$WORK/watch.txt" 2>"$WORK/watch2.err" &
WATCH=$!
PIDS+=("$WATCH")
wait_for "grep -q '^watching ' '$WORK/watch2.err'" || fail "the second watch started"
"${TFGW[@]}" receive carol "${CONN[@]}" >/dev/null 2>"$WORK/carol.err" &
CAROL=$!
PIDS+=("$CAROL")
wait_for "grep -q ' join carol pid [0-9]* claim [a-z0-9_-]*\.[0-9]*-[0-9a-z]*-[0-9]*$' '$WORK/watch.txt'" || fail "a text join line: $(cat "$WORK/watch.txt")"
# Paused while the message arrives, so that watch sees the file before carol's session takes it.
CAROL_SESSION=$(json "$SPOOL/carol/owner.json" 'd["pid"]')
kill -STOP "$CAROL_SESSION"
"${TFGW[@]}" spool send carol 'hi carol' --spool "$SPOOL" >/dev/null || fail "send to carol"
wait_for "grep -q ' queued carol [0-9a-z._-]* 8 bytes from tfgw pid [0-9]* on [a-z0-9_-]*$' '$WORK/watch.txt'" ||
  fail "a text queued line with the size: $(cat "$WORK/watch.txt")"
kill -CONT "$CAROL_SESSION"
wait_for "grep -q ' delivered carol [0-9a-z._-]* 8 bytes from tfgw pid [0-9]* on [a-z0-9_-]*$' '$WORK/watch.txt'" || fail "text queued and delivered lines: $(cat "$WORK/watch.txt")"
kill -TERM "$CAROL"
wait_for "grep -q ' leave carol pid ' '$WORK/watch.txt'" || fail "a text leave line: $(cat "$WORK/watch.txt")"
kill -INT "$WATCH"
wait_for "! kill -0 $WATCH 2>/dev/null" || fail "watch ends on SIGINT"
status=0
wait "$WATCH" || status=$?
[ "$status" = 0 ] || fail "with status 0, got $status"
ok "watch's text lines for join, queued, delivered and leave, and exit 0 on SIGINT"

echo "spool-commands.sh: $PASSED passed, 0 failed"
